package dev.runway.workflow.model;

import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A job that calls a reusable workflow ({@code jobs.<id>.uses}): the reference as written ({@code
 * ./.github/workflows/x.yml} or {@code owner/repo/.github/workflows/x.yml@ref}), its {@code with:} values as written,
 * and its secrets ({@code inherit}, or names in the callee mapped to values). {@code callee} is the called workflow
 * as parsed and checked when the parse could read it (null when it could not: a remote reference without a source).
 */
public record Call(
        String uses,
        Map<String, String> with,
        boolean inheritSecrets,
        Map<String, String> secrets,
        @Nullable Workflow callee) {

    /** A local reference: a file of the same repository, at the same commit. */
    public boolean local() {
        return uses.startsWith("./");
    }
}
