package dev.runway.workflow.expr;

import java.util.List;
import org.jspecify.annotations.Nullable;

/** The syntax tree of an expression. */
sealed interface Expr {
    record Literal(Value value) implements Expr {}

    record ContextAccess(String name) implements Expr {}

    /** {@code index} null means a filter ({@code [*]} or {@code .*}). */
    record IndexAccess(Expr target, @Nullable Expr index) implements Expr {}

    record Not(Expr operand) implements Expr {}

    record Binary(Token.Type op, Expr left, Expr right) implements Expr {}

    /** {@code &&} or {@code ||} over two or more operands, short-circuiting. */
    record Logical(Token.Type op, List<Expr> args) implements Expr {}

    record Grouping(Expr inner) implements Expr {}

    record Call(String name, List<Expr> args, Token token) implements Expr {}
}
