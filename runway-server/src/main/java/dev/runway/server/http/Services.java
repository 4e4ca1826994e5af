package dev.runway.server.http;

import dev.runway.server.ServerConfig;
import dev.runway.server.artifacts.ArtifactStore;
import dev.runway.server.artifacts.CacheStore;
import dev.runway.server.dispatch.Dispatcher;
import dev.runway.server.dispatch.Wakeups;
import dev.runway.server.runs.GitSource;
import dev.runway.server.runs.RunScheduler;
import dev.runway.server.store.JobStore;
import dev.runway.server.store.LogStore;
import dev.runway.server.store.RunStore;
import dev.runway.server.store.RunnerStore;
import java.time.InstantSource;

/** What the route groups work with: configuration, caller identification, stores, dispatch, events and time. */
record Services(
        ServerConfig config,
        Auth auth,
        dev.runway.server.store.ApiTokenStore apiTokens,
        JobStore jobs,
        RunStore runs,
        RunScheduler scheduler,
        GitSource git,
        ArtifactStore artifacts,
        CacheStore caches,
        LogStore logs,
        RunnerStore runners,
        Dispatcher dispatcher,
        Wakeups jobEvents,
        dev.runway.server.secrets.SecretStore secrets,
        dev.runway.server.audit.AuditLog audit,
        dev.runway.server.store.PoolStore pools,
        dev.runway.server.metrics.ServerMetrics metrics,
        InstantSource clock) {}
