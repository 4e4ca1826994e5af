package dev.runway.protocol;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The runner's identity and its credential (shown once; the server keeps only a hash), valid until {@code
 * credentialExpiresAt}: the agent rotates it before then ({@code POST /api/v1/runner/credential}).
 */
public record RegisterResponse(
        String runnerId,
        String name,
        List<String> labels,
        String credential,
        java.time.@Nullable Instant credentialExpiresAt) {
    public RegisterResponse(String runnerId, String name, List<String> labels, String credential) {
        this(runnerId, name, labels, credential, null);
    }

    /** Answer of {@code POST /api/v1/runner/credential}: the new credential; the old one works one hour more. */
    public record Rotated(String credential, java.time.Instant expiresAt) {}
}
