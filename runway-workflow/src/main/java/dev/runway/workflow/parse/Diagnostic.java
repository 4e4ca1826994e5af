package dev.runway.workflow.parse;

/** An error or warning about a workflow file, at {@code file:line:column} (1-based), saying what was expected. */
public record Diagnostic(Severity severity, String file, int line, int column, String message) {
    public enum Severity {
        ERROR,
        WARNING
    }

    @Override
    public String toString() {
        return file + ":" + line + ":" + column + ": " + (severity == Severity.ERROR ? "error" : "warning") + ": "
                + message;
    }
}
