package dev.runway.workflow.expr;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Expressions written to make the evaluator build huge values are stopped at {@code Limits.MAX_RESULT_CHARS}. */
class ExpressionLimitsTest {
    static final Templates.Scope SCOPE = new Templates.Scope(new Value.Obj());

    static String doubling(String fn, int times) {
        String e = "'xxxxxxxx'";
        for (int i = 0; i < times; i++) e = fn.replace("X", e);
        return "${{ " + e + " }}";
    }

    static void refused(String template) {
        assertTimeoutPreemptively(
                Duration.ofSeconds(5),
                () -> assertThatThrownBy(() -> Templates.render(template, SCOPE))
                        .isInstanceOf(ExpressionException.class)
                        .hasMessageContaining("Maximum result size exceeded")
                        .hasMessageContaining("1048576 characters"));
    }

    @Test
    void formatThatDoublesItsInputIsStopped() {
        refused(doubling("format('{0}{0}', X)", 40));
    }

    @Test
    void joinThatDoublesItsInputIsStopped() {
        refused(doubling("join(fromJSON(format('[\"{0}\",\"{0}\",\"{0}\",\"{0}\"]', X)), '')", 10));
    }

    @Test
    void toJsonThatGrowsItsInputIsStopped() {
        refused(doubling("toJSON(format('{0}{0}{0}{0}', X))", 10));
    }

    @Test
    void aTemplateOfManyLargeExpressionsIsStopped() {
        String one = doubling("format('{0}{0}', X)", 16); // 512 KiB each
        refused(one + one + one);
    }

    @Test
    void resultsUnderTheLimitAreUntouched() {
        assertThat(Templates.render(doubling("format('{0}{0}', X)", 16), SCOPE)).hasSize(8 << 16);
    }

    @Test
    void fromJsonOfDeepNestingIsAnErrorNotAStackOverflow() {
        String deep = "[".repeat(100_000) + "]".repeat(100_000);
        Value.Obj ctx = new Value.Obj();
        Value.Obj env = new Value.Obj();
        env.put("DEEP", new Value.Str(deep));
        ctx.put("env", env);
        assertTimeoutPreemptively(
                Duration.ofSeconds(5),
                () -> assertThatThrownBy(
                                () -> Templates.render("${{ toJSON(fromJSON(env.DEEP)) }}", new Templates.Scope(ctx)))
                        .isInstanceOf(ExpressionException.class)
                        .hasMessageContaining("fromJson"));
    }
}
