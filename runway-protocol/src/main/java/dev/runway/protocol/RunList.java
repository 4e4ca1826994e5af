package dev.runway.protocol;

import java.util.List;

/** Answer of {@code GET /api/v1/runs}, newest first. */
public record RunList(List<RunView> runs) {}
