package dev.runway.workflow.expr;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * GitHub's own expression test cases (actions/languageservices, MIT licence, copied under
 * src/test/resources/conformance): every case must evaluate to the expected kind and value, or fail at the
 * expected stage with the expected message.
 */
class ExpressionConformanceTest {
    static final List<String> FILES = List.of(
            "basic",
            "case",
            "coerce_number",
            "coerce_string",
            "endsWith",
            "format",
            "join",
            "number",
            "op_dot",
            "op_eq",
            "op_gte",
            "op_idx",
            "op_lt",
            "op_lte",
            "op_not",
            "op_or",
            "operators_precedence",
            "startsWith",
            "tojson");

    /** Cases we deliberately do not follow, with the reason. None so far. */
    static final Map<String, String> DIVERGENCES = Map.of();

    static Stream<Arguments> cases() throws IOException {
        ObjectMapper m = new ObjectMapper();
        List<Arguments> out = new ArrayList<>();
        for (String f : FILES) {
            try (InputStream in =
                    ExpressionConformanceTest.class.getResourceAsStream("/conformance/expressions/" + f + ".json")) {
                assertThat(in).as("conformance file %s.json", f).isNotNull();
                JsonNode root = m.readTree(in);
                for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    int i = 0;
                    for (JsonNode c : e.getValue()) {
                        String name = f + ": " + e.getKey() + (e.getValue().size() > 1 ? " #" + i : "");
                        i++;
                        if (DIVERGENCES.containsKey(name)) continue;
                        out.add(Arguments.of(name, c));
                    }
                }
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void matchesGitHub(String name, JsonNode c) {
        String expr = c.get("expr").asText();
        Value.Obj contexts = c.has("contexts") ? (Value.Obj) JsonValues.fromNode(c.get("contexts")) : new Value.Obj();
        JsonNode err = c.get("err");
        Value result;
        try {
            Expressions.Compiled compiled = Expressions.parse(expr, Set.copyOf(contexts.keys()));
            result = compiled.evaluate(contexts);
        } catch (ExpressionException e) {
            assertThat(err)
                    .as("unexpected %s error: %s", e.stage(), e.describe(expr))
                    .isNotNull();
            assertThat(e.stage().name().toLowerCase()).isEqualTo(err.get("kind").asText());
            assertThat(e.describe(expr)).contains(err.get("value").asText());
            return;
        }
        assertThat(err)
                .as(
                        "expected a %s error '%s' but got %s",
                        err == null ? "" : err.get("kind").asText(),
                        err == null ? "" : err.get("value").asText(),
                        JsonValues.stringify(result))
                .isNull();
        JsonNode expected = c.get("result");
        assertThat(kindName(result)).isEqualTo(expected.get("kind").asText());
        assertThat(JsonValues.stringify(result))
                .isEqualTo(JsonValues.stringify(JsonValues.fromNode(expected.get("value"))));
    }

    static String kindName(Value v) {
        return switch (v.kind()) {
            case NULL -> "Null";
            case BOOLEAN -> "Boolean";
            case NUMBER -> "Number";
            case STRING -> "String";
            case ARRAY -> "Array";
            case OBJECT -> "Object";
        };
    }
}
