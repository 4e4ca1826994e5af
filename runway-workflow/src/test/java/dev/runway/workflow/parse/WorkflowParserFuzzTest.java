package dev.runway.workflow.parse;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Property-based fuzzing of the workflow parser (jqwik, a bounded number of tries per run, fixed seeds so every build
 * runs the same cases and a failure names its seed): real workflow files cut, spliced, with bytes replaced or YAML
 * control characters inserted, arbitrary text, and generated YAML (deep, wide, with anchors, aliases, tags,
 * expressions and matrices) must always come back as a result with file:line:column diagnostics — never an
 * exception, never a stack overflow, never a hang.
 */
class WorkflowParserFuzzTest {
    static final List<String> REAL =
            Resources.files("workflows", ".yml").map(Resources::read).toList();
    static final String YAML_BITS = ":-[]{}|>&*!%@`'\"#,?\n\t ${{}}";

    @Property(tries = 1500, seed = "16")
    void mutatedRealWorkflowsNeverBreakTheParser(@ForAll("mutated") String text) throws Exception {
        assertParses(text);
    }

    @Property(tries = 500, seed = "16")
    void arbitraryTextNeverBreaksTheParser(@ForAll("yamlish") String text) throws Exception {
        assertParses(text);
    }

    @Property(tries = 2000, seed = "16")
    void generatedYamlNeverBreaksTheParser(@ForAll("generated") String text) throws Exception {
        assertParses(text);
    }

    static void assertParses(String text) throws Exception {
        WorkflowParser.Result r = CompletableFuture.supplyAsync(() -> WorkflowParser.parse("fuzz.yml", text))
                .get(10, TimeUnit.SECONDS);
        assertThat(r.diagnostics())
                .noneMatch(d ->
                        d.message().startsWith("internal error") || d.message().contains("nested too deeply"));
        assertThat(r).isNotNull();
        if (r.workflow() == null)
            assertThat(r.errors()).as("a workflow is refused with a reason").isNotEmpty();
        r.diagnostics().forEach(d -> assertThat(d.toString()).startsWith("fuzz.yml:"));
    }

    @Provide
    Arbitrary<String> generated() {
        return Arbitraries.longs().map(seed -> new GeneratedYaml(new java.util.Random(seed)).workflow());
    }

    @Provide
    Arbitrary<String> yamlish() {
        return Arbitraries.strings()
                .withChars(YAML_BITS + "abcdefonjsrupwh0123")
                .ofMaxLength(400);
    }

    @Provide
    Arbitrary<String> mutated() {
        Arbitrary<String> base = Arbitraries.of(REAL);
        Arbitrary<Integer> position = Arbitraries.integers().between(0, 100_000);
        Arbitrary<String> insert =
                Arbitraries.strings().withChars(YAML_BITS).ofMinLength(1).ofMaxLength(8);
        Arbitrary<Integer> kind = Arbitraries.integers().between(0, 4);
        return Combinators.combine(base, position, insert, kind, Arbitraries.of(REAL))
                .as((text, at, bits, k, other) -> {
                    int i = at % (text.length() + 1);
                    return switch (k) {
                        case 0 -> text.substring(0, i); // truncated
                        case 1 -> text.substring(0, i) + bits + text.substring(i); // inserted
                        case 2 ->
                            text.substring(0, i) + bits + text.substring(Math.min(text.length(), i + bits.length()));
                        case 3 ->
                            text.substring(0, i) + other.substring(Math.min(other.length(), at % (other.length() + 1)));
                        default -> text.replace("\n  ", "\n" + bits); // indentation broken throughout
                    };
                });
    }
}
