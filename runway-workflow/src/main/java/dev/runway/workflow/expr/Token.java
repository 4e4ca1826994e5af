package dev.runway.workflow.expr;

import org.jspecify.annotations.Nullable;

/**
 * A lexed token; {@code column} is 0-based within its line, {@code index} 0-based within the whole expression (what
 * GitHub's "Located at position N" counts, also when the expression spans lines).
 */
record Token(Type type, String lexeme, @Nullable Object value, int line, int column, int index) {
    enum Type {
        LEFT_PAREN,
        RIGHT_PAREN,
        LEFT_BRACKET,
        RIGHT_BRACKET,
        COMMA,
        DOT,
        BANG,
        BANG_EQUAL,
        EQUAL_EQUAL,
        GREATER,
        GREATER_EQUAL,
        LESS,
        LESS_EQUAL,
        AND,
        OR,
        STAR,
        NUMBER,
        STRING,
        IDENTIFIER,
        TRUE,
        FALSE,
        NULL,
        EOF
    }

    /** How the token is quoted in error messages. */
    String display() {
        return switch (type) {
            case EOF -> "EOF";
            case STRING -> (String) java.util.Objects.requireNonNull(value);
            default -> lexeme;
        };
    }
}
