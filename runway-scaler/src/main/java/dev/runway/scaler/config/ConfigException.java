package dev.runway.scaler.config;

import java.util.List;

/** The scaler's file is not usable; each problem is {@code file:line:column: message}. */
public final class ConfigException extends Exception {
    private final List<String> problems;

    public ConfigException(List<String> problems) {
        super(String.join("\n", problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}
