package dev.runway.workflow;

import org.jspecify.annotations.Nullable;

/**
 * Every bound Runway puts on what one workflow file may make the control plane do, in one place (docs/workflows.md,
 * "Limits", lists them). Where GitHub has the same limit, the value is GitHub's. Each is checked before the work it
 * bounds, and breaking one is a diagnostic at file:line:column (or a 400 from the API), never an exception.
 */
public final class Limits {
    /** Largest workflow or action file, in UTF-8 bytes (GitHub's limit). */
    public static final int MAX_FILE_BYTES = 512 * 1024;

    /** Nesting of collections inside a YAML document (GitHub's "Maximum object depth"). */
    public static final int MAX_YAML_DEPTH = 50;

    /** Aliases of collections in one YAML document (snakeyaml-engine's default; stops "billion laughs"). */
    public static final int MAX_YAML_ALIASES = 50;

    /** Nodes of a YAML document once its aliases are expanded (GitHub's limit on template events). */
    public static final int MAX_YAML_NODES = 1_000_000;

    /**
     * A parsed workflow's size in memory as GitHub's parser estimates it (GitHub's limit, its {@code MaxResultSize}):
     * the workflow and every workflow it calls, each call counted, and the combinations of static matrices. See
     * {@code dev.runway.workflow.parse.ParsedSize} for how GitHub counts.
     */
    public static final long MAX_PARSED_BYTES = 10L * 1024 * 1024;

    /** Jobs one matrix may produce (GitHub's limit). */
    public static final int MAX_MATRIX_JOBS = 256;

    /** Jobs one workflow run may have, every matrix leg counted (Runway's limit). */
    public static final int MAX_JOBS_PER_RUN = 1000;

    /** How deep reusable-workflow calls may nest, as on github.com (a workflow calling one calling one ...). */
    public static final int MAX_CALL_NESTING = 10;

    /** Distinct reusable workflows one run may call, as on github.com. */
    public static final int MAX_CALLEES = 50;

    /** Characters of one value holding expressions, and of one expression (GitHub's limit). */
    public static final int MAX_EXPRESSION_LENGTH = 21_000;

    /** Nesting of an expression: calls, operators, parentheses (GitHub's limit). */
    public static final int MAX_EXPRESSION_DEPTH = 50;

    /** Characters of a string an expression or template produces (format, join, toJSON, a rendered value). */
    public static final int MAX_RESULT_CHARS = 1024 * 1024;

    /** The error for a file of {@code bytes} bytes, or null if its size is within {@link #MAX_FILE_BYTES}. */
    public static @Nullable String fileSize(long bytes) {
        return fileSize(bytes, MAX_FILE_BYTES);
    }

    /** As {@link #fileSize(long)} with another limit ({@code max} bytes). */
    public static @Nullable String fileSize(long bytes, long max) {
        return bytes <= max
                ? null
                : "the file is " + bytes + " bytes; a workflow file may have at most " + max + " bytes"
                        + (max % 1024 == 0 ? " (" + max / 1024 + " KiB)" : "");
    }

    private Limits() {}
}
