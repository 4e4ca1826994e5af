package dev.runway.cli;

/** A failure the CLI reports as one line, {@code runway: <message>}, with exit code 1. */
final class CliException extends RuntimeException {
    CliException(String message) {
        super(message);
    }
}
