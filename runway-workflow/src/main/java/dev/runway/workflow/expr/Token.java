package dev.runway.workflow.expr;

import org.jspecify.annotations.Nullable;

/** A lexed token; {@code column} is 0-based within its line. */
record Token(Type type, String lexeme, @Nullable Object value, int line, int column) {
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
