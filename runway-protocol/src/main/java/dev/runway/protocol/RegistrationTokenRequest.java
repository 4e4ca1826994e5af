package dev.runway.protocol;

/**
 * Body of {@code POST /api/v1/tokens/registration}. {@code expiresIn} is a duration such as {@code 30m},
 * {@code 1h}, {@code 7d} (see {@link Durations}); null means 1h. {@code maxUses} null means 1.
 */
public record RegistrationTokenRequest(String expiresIn, Integer maxUses) {}
