package dev.runway.workflow.calls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runway.workflow.expr.Templates;
import dev.runway.workflow.model.WorkflowCall;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A call's inputs as the callee's jobs see them: one declared input of a type, maybe required, maybe with a
 * default; what the caller's {@code with:} gives (evaluated in the caller's context); the value or the error.
 */
class CallInputsTest {
    /** The caller's context: a job it needs with an output, a matrix leg, the run's inputs. */
    static final Templates.Scope CALLER = new Templates.Scope(Templates.object(Map.of(
            "needs", Map.of("prep", Map.of("result", "success", "outputs", Map.of("n", "42", "word", "hello"))),
            "matrix", Map.of("os", "linux", "flag", true, "size", 3),
            "inputs", Map.of("mode", "fast"),
            "github", Map.of("ref", "refs/heads/main", "event_name", "push"))));

    static Stream<Arguments> table() {
        return Stream.of(
                // type, required, default, given (null: not given), the input's value or "error: <message part>"
                Arguments.of("string", false, null, "prod", "prod"),
                Arguments.of("string", false, null, "3", "3"),
                Arguments.of("string", false, null, "${{ matrix.size }}", "3"),
                Arguments.of("string", false, null, "${{ matrix.flag }}", "true"),
                Arguments.of("string", false, null, "${{ needs.prep.outputs.word }}-x", "hello-x"),
                Arguments.of("string", false, null, "${{ inputs.mode }}", "fast"),
                Arguments.of("string", false, null, "${{ github.ref }}", "refs/heads/main"),
                Arguments.of("string", false, null, "${{ matrix }}", "error: is a string; got an object"),
                Arguments.of("string", false, null, null, ""),
                Arguments.of("string", false, "dflt", null, "dflt"),
                Arguments.of("string", false, "${{ github.event_name }}", null, "push"),
                Arguments.of("string", true, null, null, "error: input 'x' is required"),
                Arguments.of("string", true, "d", null, "d"),
                Arguments.of("string", true, null, "", ""),
                Arguments.of("number", false, null, "3", 3L),
                Arguments.of("number", false, null, "1.5", 1.5),
                Arguments.of("number", false, null, "${{ needs.prep.outputs.n }}", 42L),
                Arguments.of("number", false, null, "${{ matrix.size }}", 3L),
                Arguments.of("number", false, null, "three", "error: is a number; got 'three'"),
                Arguments.of("number", false, null, "", "error: is a number; got ''"),
                Arguments.of("number", false, null, null, 0L),
                Arguments.of("number", false, 7, null, 7L),
                Arguments.of("boolean", false, null, "true", true),
                Arguments.of("boolean", false, null, "false", false),
                Arguments.of("boolean", false, null, "${{ matrix.flag }}", true),
                Arguments.of("boolean", false, null, "${{ github.ref == 'refs/heads/dev' }}", false),
                Arguments.of("boolean", false, null, "yes", "error: is a boolean; got 'yes'"),
                Arguments.of("boolean", false, null, "${{ matrix.size }}", "error: is a boolean; got 3"),
                Arguments.of("boolean", false, null, null, false),
                Arguments.of("boolean", false, true, null, true),
                Arguments.of("boolean", true, null, null, "error: input 'x' is required"));
    }

    @ParameterizedTest(name = "{0} required={1} default={2} with={3} -> {4}")
    @MethodSource("table")
    void resolves(String type, boolean required, Object dflt, String given, Object expected) {
        WorkflowCall declared =
                new WorkflowCall(Map.of("x", new WorkflowCall.Input(type, required, dflt)), Map.of(), Map.of());
        Map<String, String> with = new LinkedHashMap<>();
        if (given != null) with.put("x", given);
        if (expected instanceof String s && s.startsWith("error: ")) {
            assertThatThrownBy(() -> CallInputs.resolve(declared, with, CALLER))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("'x'")
                    .hasMessageContaining(s.substring("error: ".length()));
        } else {
            assertThat(CallInputs.resolve(declared, with, CALLER)).containsExactly(Map.entry("x", expected));
        }
    }

    @org.junit.jupiter.api.Test
    void anInputTheCalleeDoesNotDeclareIsAnErrorNamingItsInputs() {
        WorkflowCall declared =
                new WorkflowCall(Map.of("env", new WorkflowCall.Input("string", false, null)), Map.of(), Map.of());
        assertThatThrownBy(() -> CallInputs.resolve(declared, Map.of("evn", "prod"), CALLER))
                .hasMessage("input 'evn' is not defined in the called workflow (its inputs: env)");
    }

    @org.junit.jupiter.api.Test
    void everyDeclaredInputIsThereInItsOrder() {
        Map<String, WorkflowCall.Input> inputs = new LinkedHashMap<>();
        inputs.put("b", new WorkflowCall.Input("boolean", false, null));
        inputs.put("a", new WorkflowCall.Input("string", false, "x"));
        inputs.put("n", new WorkflowCall.Input("number", true, null));
        assertThat(CallInputs.resolve(new WorkflowCall(inputs, Map.of(), Map.of()), Map.of("n", "2"), CALLER))
                .containsExactly(Map.entry("b", false), Map.entry("a", "x"), Map.entry("n", 2L));
    }
}
