package dev.runway.protocol;

import java.time.Instant;
import java.util.List;

/**
 * A stored secret as the API shows it: where it applies and when it changed, never its value. {@code repo} is null
 * for a secret of every repository. {@code warning} is set by {@code PUT} when the value is too short to be masked.
 */
public record SecretView(String repo, String name, Instant createdAt, Instant updatedAt, String warning) {
    /** Body of {@code PUT /api/v1/secrets/{name}?repo=R}. */
    public record SetRequest(String value) {}

    /** Answer of {@code GET /api/v1/secrets}. */
    public record SecretList(List<SecretView> secrets) {}

    /** Answer of {@code POST /api/v1/secrets/rotate-key}. */
    public record Rotated(int secrets, String keyId) {}
}
