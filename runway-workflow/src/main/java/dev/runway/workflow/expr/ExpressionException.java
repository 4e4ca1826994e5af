package dev.runway.workflow.expr;

/**
 * An expression that cannot be lexed, parsed or evaluated. The message follows GitHub's wording and says where:
 * {@code Unexpected symbol: '}'. Located at position 9 within expression: ...}.
 */
public final class ExpressionException extends RuntimeException {
    public enum Stage {
        LEXING,
        PARSING,
        EVALUATION
    }

    private final Stage stage;
    private final int position; // 1-based column in the expression, or 0 when unknown

    public ExpressionException(Stage stage, String message, int position) {
        super(message);
        this.stage = stage;
        this.position = position;
    }

    public Stage stage() {
        return stage;
    }

    /** 1-based position within the expression, 0 if unknown. */
    public int position() {
        return position;
    }

    /** The message with its location, as GitHub reports it. */
    public String describe(String expression) {
        return position > 0
                ? getMessage() + ". Located at position " + position + " within expression: " + expression
                : getMessage() + ". Located within expression: " + expression;
    }
}
