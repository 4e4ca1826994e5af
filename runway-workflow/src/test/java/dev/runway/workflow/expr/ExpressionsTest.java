package dev.runway.workflow.expr;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The parts of the language the conformance data does not cover: workflow contexts, status functions, hashFiles. */
class ExpressionsTest {
    static Value.Obj contexts() {
        return new Value.Obj()
                .put(
                        "github",
                        new Value.Obj()
                                .put("ref", new Value.Str("refs/heads/main"))
                                .put("event_name", new Value.Str("push")))
                .put("matrix", new Value.Obj().put("os", new Value.Str("linux")).put("node", new Value.Num(20)))
                .put(
                        "steps",
                        new Value.Obj()
                                .put(
                                        "build",
                                        new Value.Obj()
                                                .put(
                                                        "outputs",
                                                        new Value.Obj().put("version", new Value.Str("1.2.3")))));
    }

    @Test
    void workflowContextsPropertiesAndOperators() {
        Value v = Expressions.parse(
                        "github.ref == 'refs/heads/main' && matrix.node >= 18 && steps.build.outputs.version")
                .evaluate(contexts());
        assertThat(v).isEqualTo(new Value.Str("1.2.3"));
        assertThat(Expressions.parse("startsWith(github.ref, 'refs/heads/') && github.event_name != 'pull_request'")
                        .evaluate(contexts())
                        .truthy())
                .isTrue();
    }

    @Test
    void statusFunctionsFollowTheJobStatus() {
        Expressions.Compiled failure = Expressions.parse("failure()");
        assertThat(failure.evaluate(contexts(), Expressions.Status.FAILURE, p -> "")
                        .truthy())
                .isTrue();
        assertThat(failure.evaluate(contexts(), Expressions.Status.SUCCESS, p -> "")
                        .truthy())
                .isFalse();
        assertThat(Expressions.parse("always()")
                        .evaluate(contexts(), Expressions.Status.CANCELLED, p -> "")
                        .truthy())
                .isTrue();
        assertThat(Expressions.parse("cancelled()")
                        .evaluate(contexts(), Expressions.Status.CANCELLED, p -> "")
                        .truthy())
                .isTrue();
        assertThat(Expressions.parse("success()")
                        .evaluate(contexts(), Expressions.Status.SUCCESS, p -> "")
                        .truthy())
                .isTrue();
    }

    @Test
    void hashFilesUsesTheInjectedHasher() {
        Value v = Expressions.parse("format('deps-{0}', hashFiles('**/pom.xml', '**/*.gradle'))")
                .evaluate(contexts(), Expressions.Status.SUCCESS, patterns -> String.join("+", patterns));
        assertThat(v.coerceString()).isEqualTo("deps-**/pom.xml+**/*.gradle");
    }

    @Test
    void unknownContextsAndFunctionsAndBadSyntaxFailAtParseTimeWithAPosition() {
        assertThatThrownBy(() -> Expressions.parse("secretz.TOKEN"))
                .isInstanceOf(ExpressionException.class)
                .hasMessageContaining("Unrecognized named-value: 'secretz'");
        assertThatThrownBy(() -> Expressions.parse("toUpper(github.ref)"))
                .hasMessageContaining("Unrecognized function: 'toUpper'");
        assertThatThrownBy(() -> Expressions.parse("contains(github.ref)")).hasMessageContaining("Too few parameters");
        ExpressionException e = catchParse("github.ref == ");
        assertThat(e.describe("github.ref == ")).contains("Unexpected end of expression");
        ExpressionException pos = catchParse("github.ref ==== 'x'");
        assertThat(pos.position()).isEqualTo(14); // the second "==" starts at the 14th character
    }

    /** As GitHub counts it: the position within the whole expression, lines included, not within its line. */
    @Test
    void aPositionOnALaterLineOfAnExpressionCountsFromItsStart() {
        String expr = "github.ref == 'a' ||\n  foo.bar == 'b'";
        ExpressionException e = catchParse(expr);
        assertThat(e.getMessage()).isEqualTo("Unrecognized named-value: 'foo'");
        assertThat(e.position()).isEqualTo(expr.indexOf("foo") + 1).isEqualTo(24);
        ExpressionException end = catchParse("github.ref ==\n\n  ");
        assertThat(end.position()).isEqualTo(12); // the "==" with nothing after it, on the first line
        ExpressionException second = catchParse("true &&\n  github.ref ==");
        assertThat(second.position()).isEqualTo(22); // the "==" on the second line
    }

    @Test
    void objectFiltersCollectAcrossItems() {
        Value.Obj ctx = new Value.Obj()
                .put(
                        "needs",
                        new Value.Obj()
                                .put("a", new Value.Obj().put("result", new Value.Str("success")))
                                .put("b", new Value.Obj().put("result", new Value.Str("failure"))));
        Value v = Expressions.parse("contains(needs.*.result, 'failure')").evaluate(ctx);
        assertThat(v).isEqualTo(Value.TRUE);
        assertThat(Expressions.parse("toJSON(needs.*.result)").evaluate(ctx).coerceString())
                .isEqualTo("[\n  \"success\",\n  \"failure\"\n]");
    }

    static ExpressionException catchParse(String expr) {
        try {
            Expressions.parse(expr, List.of("github").stream().collect(java.util.stream.Collectors.toSet()));
        } catch (ExpressionException e) {
            return e;
        }
        throw new AssertionError("expected a parse error for " + expr);
    }
}
