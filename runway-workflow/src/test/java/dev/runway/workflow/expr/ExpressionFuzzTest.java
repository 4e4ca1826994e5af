package dev.runway.workflow.expr;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Property-based fuzzing of the expression lexer, parser and evaluator (jqwik, fixed seeds): generated expressions
 * (every function, operator and literal kind, nested up to 80 deep, with doubling format/join/toJSON chains) and
 * arbitrary text are either a value or an {@link ExpressionException}, each within two seconds — never another
 * exception, a stack overflow or an out-of-memory.
 */
class ExpressionFuzzTest {
    static final List<String> ATOMS = List.of(
            "null",
            "true",
            "false",
            "0",
            "-1.5",
            "0xff",
            "1e308",
            "NaN",
            "Infinity",
            "'s'",
            "''''",
            "'{0}'",
            "github.ref",
            "github['event_name']",
            "matrix.*",
            "steps.build.outputs",
            "env.BIG",
            "env.DEEP",
            "fromJSON(env.DEEP)",
            "github",
            "matrix");
    static final List<String> CALLS = List.of(
            "format('{0}{0}', %s)",
            "format(%s, %s)",
            "join(%s, %s)",
            "toJSON(%s)",
            "fromJSON(%s)",
            "contains(%s, %s)",
            "startsWith(%s, %s)",
            "endsWith(%s, %s)",
            "case(%s, %s, %s)",
            "!%s",
            "(%s)",
            "%s == %s",
            "%s != %s",
            "%s < %s",
            "%s && %s",
            "%s || %s",
            "%s[%s]",
            "%s.x",
            "success()",
            "always()",
            "hashFiles(%s)");

    static Value.Obj contexts() {
        Value.Obj env = new Value.Obj()
                .put("BIG", new Value.Str("b".repeat(600_000)))
                .put("DEEP", new Value.Str("[".repeat(900) + "]".repeat(900)));
        return ExpressionsTest.contexts().put("env", env);
    }

    static final Value.Obj CONTEXTS = contexts();

    @Property(tries = 3000, seed = "16")
    void generatedExpressionsAreAValueOrAnExpressionError(@ForAll("generated") String expr) throws Exception {
        assertEvaluates(expr);
    }

    @Property(tries = 1000, seed = "16")
    void arbitraryTextIsAValueOrAnExpressionError(@ForAll("text") String expr) throws Exception {
        assertEvaluates(expr);
    }

    static void assertEvaluates(String expr) throws Exception {
        CompletableFuture<Object> f = CompletableFuture.supplyAsync(() -> {
            try {
                Value v = Expressions.parse(expr).evaluate(CONTEXTS);
                return Templates.render("${{ " + expr + " }}", new Templates.Scope(CONTEXTS)) == null ? null : v;
            } catch (ExpressionException e) {
                return e;
            }
        });
        try {
            Object r = f.get(2, TimeUnit.SECONDS);
            if (r instanceof ExpressionException e) assertThat(e.getMessage()).isNotBlank();
        } catch (ExecutionException e) {
            throw new AssertionError("'" + abbreviate(expr) + "' threw " + e.getCause(), e.getCause());
        }
    }

    static String abbreviate(String s) {
        return s.length() > 300 ? s.substring(0, 300) + "…(" + s.length() + " chars)" : s;
    }

    @Provide
    Arbitrary<String> generated() {
        return Arbitraries.longs().map(seed -> {
            Random r = new Random(seed);
            return expression(r, r.nextInt(5) == 0 ? 80 : 6);
        });
    }

    static String expression(Random r, int depth) {
        if (depth == 0 || r.nextInt(4) == 0) return ATOMS.get(r.nextInt(ATOMS.size()));
        String call = CALLS.get(r.nextInt(CALLS.size()));
        Object[] args = new Object[3];
        for (int i = 0; i < args.length; i++) args[i] = i == 0 ? expression(r, depth - 1) : expression(r, depth / 3);
        return String.format(call, args);
    }

    @Provide
    Arbitrary<String> text() {
        return Arbitraries.strings()
                .withChars("()[]{}.,'!=<>&|*$ 0123456789abcfgnorstux-_\\\"")
                .ofMaxLength(300);
    }
}
