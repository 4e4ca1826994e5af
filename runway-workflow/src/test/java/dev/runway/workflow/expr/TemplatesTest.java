package dev.runway.workflow.expr;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runway.workflow.parse.MatrixExpander;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TemplatesTest {
    final Templates.Scope scope = new Templates.Scope(Templates.object(Map.of(
            "matrix", Map.of("os", "linux", "n", 3),
            "needs", Map.of("build", Map.of("result", "success", "outputs", Map.of("list", "[1,2]"))),
            "inputs", Map.of("flag", true))));

    @Test
    void rendersEveryEmbeddedExpression() {
        assertThat(Templates.render("on ${{ matrix.os }} #${{ matrix.n }}!", scope))
                .isEqualTo("on linux #3!");
        assertThat(Templates.render("no expressions", scope)).isEqualTo("no expressions");
        assertThat(Templates.render("${{ '}}' }} and ${{ inputs.flag }}", scope))
                .isEqualTo("}} and true");
        assertThat(Templates.render("${{ matrix }}", scope)).contains("\"os\": \"linux\"");
    }

    @Test
    void aWholeExpressionKeepsItsType() {
        assertThat(Templates.value("${{ fromJSON(needs.build.outputs.list) }}", scope))
                .isInstanceOf(Value.Arr.class);
        assertThat(Templates.value("x ${{ matrix.n }}", scope)).isEqualTo(new Value.Str("x 3"));
    }

    @Test
    void unclosedExpressionIsAnError() {
        assertThatThrownBy(() -> Templates.render("a ${{ matrix.os", scope))
                .isInstanceOf(ExpressionException.class)
                .hasMessageContaining("not closed");
    }

    @Test
    void conditionsImplySuccessUnlessTheyCheckStatus() {
        Templates.Scope failed = scope.withStatus(Expressions.Status.FAILURE);
        assertThat(Templates.condition(null, scope)).isTrue();
        assertThat(Templates.condition(null, failed)).isFalse();
        assertThat(Templates.condition("matrix.n == 3", scope)).isTrue();
        assertThat(Templates.condition("matrix.n == 3", failed)).isFalse();
        assertThat(Templates.condition("${{ failure() && matrix.n == 3 }}", failed))
                .isTrue();
        assertThat(Templates.condition("always()", failed)).isTrue();
        assertThat(Templates.condition("success()", scope.withStatus(Expressions.Status.DEPENDENCY_SKIPPED)))
                .isFalse();
        assertThat(Templates.condition("failure()", scope.withStatus(Expressions.Status.DEPENDENCY_SKIPPED)))
                .isFalse();
        assertThat(Templates.condition("contains('always()', 'x') || true", failed))
                .as("a status function named only inside a string does not count")
                .isFalse();
    }

    @Test
    void matricesFromExpressionsExpandAtRunTime() {
        assertThat(MatrixExpander.expandAtRunTime(Map.of("n", "${{ fromJSON(needs.build.outputs.list) }}"), scope))
                .containsExactly(Map.of("n", 1L), Map.of("n", 2L));
        assertThat(MatrixExpander.expandAtRunTime("${{ fromJSON('{\"a\":[\"x\"],\"include\":[{\"b\":1}]}') }}", scope))
                .containsExactly(Map.of("a", "x", "b", 1L));
        assertThatThrownBy(() -> MatrixExpander.expandAtRunTime("${{ matrix.os }}", scope))
                .hasMessageContaining("must produce an object");
        assertThatThrownBy(() -> MatrixExpander.expandAtRunTime(Map.of("n", List.of()), scope))
                .hasMessageContaining("has no values");
    }
}
