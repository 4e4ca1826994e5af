package dev.runway.agent;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Assumptions;

/** What a test needs from the machine: skipped with the reason when missing, failed instead under CI=true. */
public final class Needs {
    public static void needs(boolean ok, String reason) {
        if ("true".equals(System.getenv("CI")))
            assertThat(ok).as("CI must have this: " + reason).isTrue();
        Assumptions.assumeTrue(ok, reason);
    }

    private Needs() {}
}
