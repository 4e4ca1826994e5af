package dev.runway.server.http;

import dev.runway.protocol.ApiPaths;
import dev.runway.protocol.Durations;
import dev.runway.server.ServerConfig;
import dev.runway.server.metrics.ServerMetrics;
import dev.runway.server.metrics.StatsQuery;
import dev.runway.server.store.JobStore;
import dev.runway.server.store.RunnerStore;
import io.javalin.config.RoutesConfig;
import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.time.InstantSource;

/**
 * {@code GET /metrics} (Prometheus text format, or OpenMetrics when the scraper asks for it) and {@code GET
 * /api/v1/stats}: the SLIs as a scraper and as the dashboard see them. Both need the viewer role.
 */
final class MetricsRoutes {
    /** The longest window {@code /api/v1/stats} computes over. */
    static final Duration MAX_WINDOW = Duration.ofDays(31);

    /** What the metrics routes use. */
    record Deps(
            ServerConfig config,
            Auth auth,
            JobStore jobs,
            RunnerStore runners,
            ServerMetrics metrics,
            StatsQuery stats,
            InstantSource clock) {}

    private final Deps s;
    private final StatsQuery stats;
    private final ExpositionFormats formats = ExpositionFormats.init();

    MetricsRoutes(Deps s) {
        this.s = s;
        this.stats = s.stats();
    }

    void register(RoutesConfig routes) {
        routes.get(ApiPaths.METRICS, ctx -> {
            s.auth().viewer(ctx);
            ExpositionFormatWriter writer = formats.findWriter(ctx.header("Accept"));
            if (!writer.isAvailable()) writer = formats.getPrometheusTextFormatWriter();
            ByteArrayOutputStream out = new ByteArrayOutputStream(64 * 1024);
            writer.write(out, s.metrics().registry().scrape());
            ctx.contentType(writer.getContentType()).result(out.toByteArray());
        });
        routes.get(ApiPaths.STATS, ctx -> {
            s.auth().viewer(ctx);
            Duration window;
            try {
                String w = ctx.queryParam("window");
                window = w == null || w.isBlank() ? Duration.ofHours(24) : Durations.parse(w);
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest("window: " + e.getMessage());
            }
            if (window.isNegative() || window.isZero() || window.compareTo(MAX_WINDOW) > 0)
                throw ApiException.badRequest("window: must be more than 0 and at most 31 days, got " + window);
            long now = s.clock().millis();
            ctx.json(stats.stats(
                    window.toMillis(),
                    now,
                    s.jobs().queueSnapshot().groups(),
                    s.jobs().oldestQueuedId(),
                    s.runners().list(),
                    s.runners().runningCounts(),
                    s.config().offlineAfter().toMillis()));
        });
    }
}
