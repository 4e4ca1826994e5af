package dev.runway.protocol;

import java.util.List;

/** The artifacts of a run, by name. */
public record ArtifactList(List<ArtifactView> artifacts) {}
