package dev.runway.protocol;

import java.util.List;

/** The runner's identity and its long-lived credential (shown once; the server keeps only a hash). */
public record RegisterResponse(String runnerId, String name, List<String> labels, String credential) {}
