package dev.runway.protocol;

import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A configuration variable ({@code vars.NAME} in workflows) as the API shows it, value included: variables are for
 * what is not secret. {@code repo} is null for a variable of every repository.
 */
public record VariableView(@Nullable String repo, String name, String value, Instant createdAt, Instant updatedAt) {
    /** Body of {@code PUT /api/v1/variables/{name}?repo=R}. */
    public record SetRequest(String value) {}

    /** Answer of {@code GET /api/v1/variables}. */
    public record VariableList(List<VariableView> variables) {}
}
