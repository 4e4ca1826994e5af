package dev.runway.protocol;

/**
 * The version of this Runway build: agents send it at registration, the control plane exposes its own as {@code
 * runway_build_info} and counts runners with another version as outdated (patch compliance, SLI M11).
 */
public final class RunwayVersion {
    public static final String CURRENT = "0.1.0";

    private RunwayVersion() {}
}
