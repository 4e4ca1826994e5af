package dev.runway.protocol;

import org.jspecify.annotations.Nullable;

/**
 * Body of {@code POST /api/v1/tokens/registration}. {@code expiresIn} is a duration such as {@code 30m},
 * {@code 1h}, {@code 7d} (see {@link Durations}); null means 1h. {@code maxUses} null means 1.
 *
 * <p>The fleet scaler also names the {@code pool}, the provider {@code instance} and the rollout {@code variant}
 * ({@code stable} or {@code canary}) of the runner that will use the token: the runner record carries them, so the
 * control plane can drain a pool and compare its variants without trusting what an agent says of itself.
 */
public record RegistrationTokenRequest(
        @Nullable String expiresIn,
        @Nullable Integer maxUses,
        @Nullable String pool,
        @Nullable String instance,
        @Nullable String variant) {
    public RegistrationTokenRequest(@Nullable String expiresIn, @Nullable Integer maxUses) {
        this(expiresIn, maxUses, null, null, null);
    }
}
