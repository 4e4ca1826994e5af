package dev.runway.protocol;

import java.time.Instant;

/** A registration token; {@code token} is set only in the answer that created it. */
public record RegistrationTokenView(
        String id, String token, Instant createdAt, Instant expiresAt, int maxUses, int uses, boolean revoked) {}
