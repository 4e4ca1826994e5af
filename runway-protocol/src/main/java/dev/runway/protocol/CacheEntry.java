package dev.runway.protocol;

import java.time.Instant;

/** A stored dependency cache ({@code actions/cache}): immutable once saved, found by key or key prefix. */
public record CacheEntry(String key, String version, long size, String sha256, Instant createdAt) {}
