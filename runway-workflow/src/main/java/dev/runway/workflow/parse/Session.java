package dev.runway.workflow.parse;

import java.util.ArrayList;
import java.util.List;
import org.snakeyaml.engine.v2.nodes.Node;

/** Collects the diagnostics of one file. */
final class Session {
    private final String file;
    final List<Diagnostic> diagnostics = new ArrayList<>();
    /** The parsed size so far, shared with the workflow that calls this one and the ones it calls. */
    final ParsedSize size;

    Session(String file) {
        this(file, new ParsedSize(dev.runway.workflow.Limits.MAX_PARSED_BYTES));
    }

    Session(String file, ParsedSize size) {
        this.file = file;
        this.size = size;
    }

    String file() {
        return file;
    }

    void error(int line, int col, String message) {
        diagnostics.add(new Diagnostic(Diagnostic.Severity.ERROR, file, line, col, message));
    }

    void error(Node at, String message) {
        error(Yaml.line(at), Yaml.col(at), message);
    }

    void warning(Node at, String message) {
        diagnostics.add(new Diagnostic(Diagnostic.Severity.WARNING, file, Yaml.line(at), Yaml.col(at), message));
    }

    boolean hasErrors() {
        return diagnostics.stream().anyMatch(d -> d.severity() == Diagnostic.Severity.ERROR);
    }
}
