package dev.runway.workflow.expr;

import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * GitHub Actions expressions ({@code ${{ ... }}}): parse once (errors before anything runs), evaluate against
 * contexts. Hand-written because the language is the product: GitHub's exact coercion, comparison and formatting
 * rules are what users' workflows depend on, and no library implements them.
 */
public final class Expressions {
    /** The contexts a workflow may name (GitHub's list); others are parse errors. */
    public static final Set<String> WORKFLOW_CONTEXTS = Set.of(
            "github",
            "env",
            "vars",
            "secrets",
            "inputs",
            "matrix",
            "strategy",
            "needs",
            "steps",
            "job",
            "jobs",
            "runner");

    /** A parsed expression, ready to evaluate any number of times. */
    public record Compiled(String source, @Nullable Object tree) {
        /** Whether the expression calls success(), failure(), cancelled() or always() (else {@code if:} implies success()). */
        public boolean checksStatus() {
            return checksStatus((Expr) tree);
        }

        private static boolean checksStatus(@Nullable Expr e) {
            return switch (e) {
                case null -> false;
                case Expr.Call c ->
                    Set.of("success", "failure", "cancelled", "always")
                                    .contains(c.name().toLowerCase(Locale.ROOT))
                            || c.args().stream().anyMatch(Compiled::checksStatus);
                case Expr.IndexAccess i -> checksStatus(i.target()) || checksStatus(i.index());
                case Expr.Not n -> checksStatus(n.operand());
                case Expr.Binary b -> checksStatus(b.left()) || checksStatus(b.right());
                case Expr.Logical l -> l.args().stream().anyMatch(Compiled::checksStatus);
                case Expr.Grouping g -> checksStatus(g.inner());
                default -> false;
            };
        }

        public Value evaluate(Value.Obj contexts) {
            return evaluate(contexts, Status.SUCCESS, patterns -> "");
        }

        public Value evaluate(Value.Obj contexts, Status status, FileHasher hasher) {
            try {
                return new Evaluator(contexts, new Evaluator.Environment() {
                            @Override
                            public Evaluator.Status status() {
                                return Evaluator.Status.valueOf(status.name());
                            }

                            @Override
                            public String hashFiles(List<String> patterns) {
                                return hasher.hash(patterns);
                            }
                        })
                        .eval((Expr) tree);
            } catch (StackOverflowError e) {
                throw new ExpressionException(ExpressionException.Stage.EVALUATION, "expression too deeply nested", 0);
            }
        }
    }

    /** The job's status so far, for {@code success()}, {@code failure()}, {@code cancelled()}. */
    public enum Status {
        SUCCESS,
        FAILURE,
        CANCELLED,
        /** A job whose needed job was skipped: neither success() nor failure() holds (only always()). */
        DEPENDENCY_SKIPPED
    }

    /** Computes {@code hashFiles(...)} for the workspace. */
    @FunctionalInterface
    public interface FileHasher {
        String hash(List<String> patterns);
    }

    /** Parses {@code expression}, allowing the given context names. Throws {@link ExpressionException}. */
    public static Compiled parse(String expression, Set<String> contexts) {
        Set<String> lower = new HashSet<>();
        for (String c : contexts) lower.add(c.toLowerCase(Locale.ROOT));
        List<Token> tokens = new Lexer(expression).lex();
        return new Compiled(expression, new Parser(tokens, lower, Functions.STANDARD).parse());
    }

    public static Compiled parse(String expression) {
        return parse(expression, WORKFLOW_CONTEXTS);
    }

    private Expressions() {}
}
