package dev.runway.protocol;

import java.time.Instant;
import java.util.List;

/**
 * An API token: {@code token} ({@code rwa_…}) is set only in the answer that created it; afterwards only its id,
 * role, name and dates are shown.
 */
public record ApiTokenView(
        String id,
        String token,
        String role,
        String name,
        Instant createdAt,
        Instant expiresAt,
        Instant lastUsedAt,
        boolean revoked) {
    /** Body of {@code POST /api/v1/tokens}: {@code expiresIn} like {@code 30d} (null: 90d), {@code name} a note. */
    public record CreateRequest(String role, String expiresIn, String name) {}

    public record TokenList(List<ApiTokenView> tokens) {}
}
