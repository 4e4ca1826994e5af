package dev.runway.protocol;

import java.time.Instant;

/** An artifact of a run: a zip uploaded by one of its jobs ({@code actions/upload-artifact}). */
public record ArtifactView(String name, long size, String sha256, String jobId, Instant createdAt) {}
