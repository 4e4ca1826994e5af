package dev.runway.workflow.expr;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Recursive-descent parser with GitHub's precedence: {@code ||} < {@code &&} < {@code == !=} < {@code < <= > >=} <
 * {@code !} < property/index access < call/primary. Unknown contexts and functions, wrong argument counts and
 * nesting deeper than {@value #MAX_DEPTH} are parse errors, so they are caught before anything runs.
 */
final class Parser {
    static final int MAX_DEPTH = dev.runway.workflow.Limits.MAX_EXPRESSION_DEPTH;

    private final List<Token> tokens;
    private final Set<String> contexts; // lower case
    private final Functions functions;
    private int offset;
    private int depth;

    Parser(List<Token> tokens, Set<String> contexts, Functions functions) {
        this.tokens = tokens;
        this.contexts = contexts;
        this.functions = functions;
    }

    /** The tree, or null for an empty expression. */
    @Nullable
    Expr parse() {
        if (atEnd()) return null;
        Expr e = expression();
        if (!atEnd()) throw error("Unexpected symbol", peek());
        return e;
    }

    private Expr expression() {
        incr();
        try {
            return or();
        } finally {
            depth--;
        }
    }

    private Expr or() {
        Expr e = and();
        if (check(Token.Type.OR)) {
            incr();
            try {
                List<Expr> args = new ArrayList<>(List.of(e));
                while (match(Token.Type.OR)) args.add(and());
                return new Expr.Logical(Token.Type.OR, args);
            } finally {
                depth--;
            }
        }
        return e;
    }

    private Expr and() {
        Expr e = equality();
        if (check(Token.Type.AND)) {
            incr();
            try {
                List<Expr> args = new ArrayList<>(List.of(e));
                while (match(Token.Type.AND)) args.add(equality());
                return new Expr.Logical(Token.Type.AND, args);
            } finally {
                depth--;
            }
        }
        return e;
    }

    private Expr equality() {
        Expr e = comparison();
        while (match(Token.Type.BANG_EQUAL, Token.Type.EQUAL_EQUAL)) {
            Token.Type op = previous().type();
            e = new Expr.Binary(op, e, comparison());
        }
        return e;
    }

    private Expr comparison() {
        Expr e = unary();
        while (match(Token.Type.GREATER, Token.Type.GREATER_EQUAL, Token.Type.LESS, Token.Type.LESS_EQUAL)) {
            Token.Type op = previous().type();
            e = new Expr.Binary(op, e, unary());
        }
        return e;
    }

    private Expr unary() {
        if (match(Token.Type.BANG)) {
            incr();
            try {
                return new Expr.Not(unary());
            } finally {
                depth--;
            }
        }
        return index();
    }

    private Expr index() {
        Expr e = call();
        int increased = 0;
        if (e instanceof Expr.Grouping || e instanceof Expr.Call || e instanceof Expr.ContextAccess) {
            while (true) {
                if (match(Token.Type.LEFT_BRACKET)) {
                    Expr idx = match(Token.Type.STAR) ? null : expression();
                    consume(Token.Type.RIGHT_BRACKET);
                    incr();
                    increased++;
                    e = new Expr.IndexAccess(e, idx);
                } else if (match(Token.Type.DOT)) {
                    incr();
                    increased++;
                    if (match(Token.Type.IDENTIFIER)) {
                        e = new Expr.IndexAccess(
                                e, new Expr.Literal(new Value.Str(previous().lexeme())));
                    } else if (match(Token.Type.STAR)) {
                        e = new Expr.IndexAccess(e, null);
                    } else {
                        throw error("Unexpected symbol", peek());
                    }
                } else {
                    break;
                }
            }
        }
        depth -= increased;
        return e;
    }

    private Expr call() {
        if (!check(Token.Type.IDENTIFIER)) return primary();
        Token id = next();
        if (!match(Token.Type.LEFT_PAREN)) {
            if (!contexts.contains(id.lexeme().toLowerCase(Locale.ROOT))) throw error("Unrecognized named-value", id);
            return new Expr.ContextAccess(id.lexeme());
        }
        List<Expr> args = new ArrayList<>();
        while (!match(Token.Type.RIGHT_PAREN)) {
            args.add(expression());
            if (!check(Token.Type.RIGHT_PAREN)) consume(Token.Type.COMMA);
        }
        Functions.Definition f = functions.get(id.lexeme());
        if (f == null) throw error("Unrecognized function", id);
        if (args.size() < f.minArgs()) throw error("Too few parameters supplied", id);
        if (args.size() > f.maxArgs()) throw error("Too many parameters supplied", id);
        if (f.oddArgs() && args.size() % 2 == 0)
            throw error("Even number of parameters supplied, requires an odd number of parameters", id);
        return new Expr.Call(id.lexeme(), args, id);
    }

    private Expr primary() {
        if (match(Token.Type.FALSE)) return new Expr.Literal(Value.FALSE);
        if (match(Token.Type.TRUE)) return new Expr.Literal(Value.TRUE);
        if (match(Token.Type.NULL)) return new Expr.Literal(Value.NULL);
        if (match(Token.Type.NUMBER))
            return new Expr.Literal(new Value.Num(
                    (Double) java.util.Objects.requireNonNull(previous().value())));
        if (match(Token.Type.STRING))
            return new Expr.Literal(new Value.Str(
                    (String) java.util.Objects.requireNonNull(previous().value())));
        if (match(Token.Type.LEFT_PAREN)) {
            Expr e = expression();
            if (atEnd()) throw error("Unexpected end of expression", previous());
            consume(Token.Type.RIGHT_PAREN);
            return new Expr.Grouping(e);
        }
        if (atEnd()) throw error("Unexpected end of expression", previous());
        throw error("Unexpected symbol", peek());
    }

    private boolean match(Token.Type... types) {
        for (Token.Type t : types) {
            if (check(t)) {
                next();
                return true;
            }
        }
        return false;
    }

    private boolean check(Token.Type t) {
        return !atEnd() && peek().type() == t;
    }

    private boolean atEnd() {
        return peek().type() == Token.Type.EOF;
    }

    private Token next() {
        if (!atEnd()) offset++;
        return previous();
    }

    private Token peek() {
        return tokens.get(offset);
    }

    private Token previous() {
        return tokens.get(Math.max(0, offset - 1));
    }

    private void consume(Token.Type t) {
        if (check(t)) {
            next();
            return;
        }
        throw error("Unexpected symbol", peek());
    }

    private void incr() {
        if (++depth > MAX_DEPTH) throw error("Exceeded max expression depth " + MAX_DEPTH, peek());
    }

    private static ExpressionException error(String what, Token t) {
        return new ExpressionException(
                ExpressionException.Stage.PARSING, what + ": '" + t.display() + "'", t.index() + 1);
    }
}
