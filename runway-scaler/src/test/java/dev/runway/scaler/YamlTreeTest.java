package dev.runway.scaler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeType;
import dev.runway.scaler.config.YamlTree;
import dev.runway.scaler.config.YamlTree.YamlException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** YAML 1.2 (core schema) into a Jackson tree, with the position of every value kept. */
class YamlTreeTest {
    static JsonNode value(String yaml) throws YamlException {
        return YamlTree.parse("k: " + yaml).tree().get("k");
    }

    @Test
    void scalarsAreTypedByYaml12sCoreSchemaLikeWorkflowFiles() throws YamlException {
        assertThat(value("true").isBoolean()).isTrue();
        assertThat(value("True").booleanValue()).isTrue();
        assertThat(value("FALSE").booleanValue()).isFalse();
        // YAML 1.1's booleans are words in 1.2
        assertThat(value("yes").textValue()).isEqualTo("yes");
        assertThat(value("off").textValue()).isEqualTo("off");
        assertThat(value("~").isNull()).isTrue();
        assertThat(value("").isNull()).isTrue();
        assertThat(value("Null").isNull()).isTrue();
        assertThat(value("42").intValue()).isEqualTo(42);
        assertThat(value("42").getNodeType()).isEqualTo(JsonNodeType.NUMBER);
        assertThat(value("0x1F").intValue()).isEqualTo(31);
        assertThat(value("0o17").intValue()).isEqualTo(15);
        assertThat(value("017").intValue()).isEqualTo(17);
        assertThat(value("-3").intValue()).isEqualTo(-3);
        assertThat(value("8589934592").longValue()).isEqualTo(8589934592L);
        assertThat(value("123456789012345678901234567890").bigIntegerValue())
                .hasToString("123456789012345678901234567890");
        assertThat(value("1.10").asText()).isEqualTo("1.1");
        assertThat(value("1e3").doubleValue()).isEqualTo(1000.0);
        assertThat(value(".inf").doubleValue()).isInfinite();
        assertThat(value("1_000").textValue()).isEqualTo("1_000");
        assertThat(value("\"42\"").textValue()).isEqualTo("42");
        assertThat(value("!!str 42").textValue()).isEqualTo("42");
        assertThat(value("8Gi").textValue()).isEqualTo("8Gi");
        assertThat(YamlTree.parse("").tree()).isNull();
        assertThat(YamlTree.parse("{\"a\": [1, \"x\", null]}").tree()).hasToString("{\"a\":[1,\"x\",null]}");
    }

    @Test
    void aliasesAreExpanded() throws YamlException {
        JsonNode t = YamlTree.parse("a: &x {b: 1}\nc: *x\n").tree();
        assertThat(t.get("c").get("b").intValue()).isEqualTo(1);
    }

    @Test
    void positionsOfValuesAndKeysAndOfTheNearestParent() throws YamlException {
        YamlTree y = YamlTree.parse("""
                pools:
                  linux:
                    labels: [linux, x64]
                    max: 4
                """);
        assertThat(y.position(List.of("pools", "linux", "max"), false)).hasToString("4:10");
        assertThat(y.position(List.of("pools", "linux", "max"), true)).hasToString("4:5");
        assertThat(y.position(List.of("pools", "linux", "labels", "1"), false)).hasToString("3:21");
        assertThat(y.position(List.of("pools", "linux", "nope"), false)).hasToString("3:5");
        assertThat(y.position(List.of(), false)).hasToString("1:1");
        assertThat(YamlTree.parse("").position(List.of("a"), false)).hasToString("1:1");
    }

    @Test
    void brokenFilesDuplicateKeysAndBadTagsAreErrorsAtTheirPosition() {
        assertThatThrownBy(() -> YamlTree.parse("a: [unclosed\n"))
                .isInstanceOf(YamlException.class)
                .hasMessageStartingWith("2:1: invalid YAML: ");
        assertThatThrownBy(() -> YamlTree.parse("a: 1\nb:\n  c: 1\n  c: 2\n"))
                .isInstanceOf(YamlException.class)
                .hasMessage("4:3: Duplicate field 'c'");
        assertThatThrownBy(() -> YamlTree.parse("a: !!int soon\n"))
                .isInstanceOf(YamlException.class)
                .hasMessage("1:4: the value 'soon' is not a !!int");
        assertThatThrownBy(() -> YamlTree.parse("? [a, b]\n: c\n"))
                .isInstanceOf(YamlException.class)
                .hasMessageStartingWith("1:1: invalid YAML: Non scalar key");
        assertThatThrownBy(() -> YamlTree.parse("a: 1\n\u0001\n"))
                .isInstanceOf(YamlException.class)
                .hasMessage("2:1: invalid YAML: the character U+0001 is not allowed in a YAML file");
        assertThatThrownBy(() -> YamlTree.parse("a: 1\n---\nb: 2\n"))
                .isInstanceOf(YamlException.class)
                .hasMessageContaining("invalid YAML");
    }
}
