package dev.runway.workflow.parse;

import dev.runway.workflow.expr.ExpressionException;
import dev.runway.workflow.expr.Expressions;
import dev.runway.workflow.expr.Templates;
import org.jspecify.annotations.Nullable;
import org.snakeyaml.engine.v2.nodes.Node;

/** Checks every {@code ${{ }}} in a value (and whole {@code if:} conditions) before anything runs. */
final class ExpressionCheck {
    /** GitHub's limit on a value holding expressions (the whole value is evaluated as one). */
    static final int MAX_EXPRESSION_LENGTH = dev.runway.workflow.Limits.MAX_EXPRESSION_LENGTH;

    static void template(@Nullable Node at, @Nullable String value, Session s) {
        template(at, value, s, Expressions.WORKFLOW_CONTEXTS);
    }

    /** As {@link #template(Node, String, Session)}, with only {@code contexts} available to the expressions. */
    static void template(@Nullable Node at, @Nullable String value, Session s, java.util.Set<String> contexts) {
        if (at == null || value == null) return; // value is read from at: no node, no value
        if (value.length() > MAX_EXPRESSION_LENGTH && value.contains("${{")) {
            s.error(at, "Exceeded max expression length " + MAX_EXPRESSION_LENGTH);
            return;
        }
        int from = 0;
        while (true) {
            int open = value.indexOf("${{", from);
            if (open < 0) return;
            int close = Templates.closing(value, open + 3);
            if (close < 0) {
                s.error(
                        at,
                        "The expression is not closed. An unescaped ${{ sequence was found, but the closing }} sequence was not found.");
                return;
            }
            expression(at, value.substring(open + 3, close).strip(), s, contexts);
            from = close + 2;
        }
    }

    /** {@code if:} may be written with or without {@code ${{ }}}. */
    static void condition(@Nullable Node at, @Nullable String value, Session s) {
        condition(at, value, s, Expressions.WORKFLOW_CONTEXTS);
    }

    /** As {@link #condition(Node, String, Session)}, with only {@code contexts} available. */
    static void condition(@Nullable Node at, @Nullable String value, Session s, java.util.Set<String> contexts) {
        if (at == null || value == null || value.isBlank()) return;
        String v = value.strip();
        if (v.startsWith("${{") && v.endsWith("}}") && v.indexOf("${{", 3) < 0) {
            expression(at, v.substring(3, v.length() - 2).strip(), s, contexts);
        } else if (v.contains("${{")) {
            template(at, v, s, contexts);
        } else {
            expression(at, v, s, contexts);
        }
    }

    /**
     * A {@code continue-on-error}: a boolean, or an expression (checked). Anything else is what GitHub rejects.
     */
    static void booleanOrExpression(@Nullable Node at, @Nullable String value, Session s, String what) {
        if (at == null || value == null) return;
        if (value.contains("${{")) template(at, value, s);
        else if (!value.equals("true") && !value.equals("false"))
            s.error(at, "'" + what + "' must be true, false or an expression, not '" + value + "'");
    }

    static void expression(Node at, String expr, Session s) {
        expression(at, expr, s, Expressions.WORKFLOW_CONTEXTS);
    }

    static void expression(Node at, String expr, Session s, java.util.Set<String> contexts) {
        if (expr.isBlank()) {
            s.error(at, "An expression was expected (an empty ${{ }})");
            return;
        }
        try {
            Expressions.parse(expr, contexts);
        } catch (ExpressionException e) {
            s.error(at, e.describe(expr));
        }
    }

    private ExpressionCheck() {}
}
