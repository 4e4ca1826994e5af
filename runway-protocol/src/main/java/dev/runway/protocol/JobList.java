package dev.runway.protocol;

import java.util.List;

/** Answer of {@code GET /api/v1/jobs}: newest first. */
public record JobList(List<JobView> jobs) {}
