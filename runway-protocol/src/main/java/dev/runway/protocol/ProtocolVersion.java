package dev.runway.protocol;

/** Version of the runner protocol; sent by the agent in the {@value #HEADER} header on every request. */
public final class ProtocolVersion {
    public static final String HEADER = "Runway-Protocol";
    public static final int CURRENT = 1;

    private ProtocolVersion() {}
}
