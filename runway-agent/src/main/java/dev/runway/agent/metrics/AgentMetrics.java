package dev.runway.agent.metrics;

import dev.runway.protocol.JobState;
import dev.runway.protocol.RunnerResources;
import dev.runway.protocol.RunwayVersion;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;
import java.io.IOException;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.IntSupplier;

/**
 * The agent's own metrics (docs/metrics.md, "Agent metrics"), for scraping each runner host: its jobs, its health
 * and what its host uses. Served only when asked for ({@code runway agent --metrics-port}); no job or runner ids as
 * labels (the scrape target names the host).
 */
public final class AgentMetrics {
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Counter jobsFinished;
    private final Histogram jobDuration;
    private final Counter secretsMasked;

    public AgentMetrics(int slots, IntSupplier running, BooleanSupplier healthy, HostResources host) {
        jobsFinished = Counter.builder()
                .name("runway_agent_jobs_finished_total")
                .help("Jobs this agent finished, by outcome")
                .labelNames("outcome")
                .register(registry);
        jobDuration = Histogram.builder()
                .name("runway_agent_job_duration_seconds")
                .help("Duration of the jobs this agent ran")
                .unit(Unit.SECONDS)
                .labelNames("outcome")
                .classicOnly()
                .classicUpperBounds(1, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 21600)
                .withoutExemplars()
                .register(registry);
        secretsMasked = Counter.builder()
                .name("runway_agent_secrets_masked_total")
                .help("Secret values this agent masked in job logs")
                .register(registry);
        gauge("runway_agent_info", "This agent's version", cb -> 1.0, "version", RunwayVersion.CURRENT);
        gauge("runway_agent_slots", "Jobs this agent runs at once", cb -> (double) slots);
        gauge("runway_agent_jobs_running", "Jobs running now", cb -> (double) running.getAsInt());
        gauge(
                "runway_agent_healthy",
                "1 when the agent takes jobs, 0 when it reports itself unhealthy",
                cb -> healthy.getAsBoolean() ? 1.0 : 0.0);
        resource(
                host,
                "runway_agent_cpu_utilization_ratio",
                "Host CPU use over the last interval (0..1)",
                RunnerResources::cpuRatio);
        resource(host, "runway_agent_memory_used_bytes", "Host memory in use", r -> bytes(r.memoryUsedBytes()));
        resource(host, "runway_agent_memory_total_bytes", "Host memory", r -> bytes(r.memoryTotalBytes()));
        resource(
                host,
                "runway_agent_disk_used_bytes",
                "Used space of the disk holding the work directory",
                r -> bytes(r.diskUsedBytes()));
        resource(
                host,
                "runway_agent_disk_total_bytes",
                "Size of the disk holding the work directory",
                r -> bytes(r.diskTotalBytes()));
    }

    private static Double bytes(Long b) {
        return b == null ? null : b.doubleValue();
    }

    private void gauge(String name, String help, Function<Object, Double> value, String... label) {
        var b = GaugeWithCallback.builder().name(name).help(help);
        if (label.length == 2) b.labelNames(label[0]);
        b.callback(cb -> {
                    Double v = value.apply(null);
                    if (v == null) return;
                    if (label.length == 2) cb.call(v, label[1]);
                    else cb.call(v);
                })
                .register(registry);
    }

    private void resource(HostResources host, String name, String help, Function<RunnerResources, Double> f) {
        GaugeWithCallback.builder()
                .name(name)
                .help(help)
                .callback(cb -> {
                    RunnerResources r = host.latest();
                    Double v = r == null ? null : f.apply(r);
                    if (v != null) cb.call(v);
                })
                .register(registry);
    }

    public void jobFinished(JobState outcome, double seconds, long masked) {
        jobsFinished.labelValues(outcome.wireName()).inc();
        jobDuration.labelValues(outcome.wireName()).observe(Math.max(0, seconds));
        if (masked > 0) secretsMasked.inc(masked);
    }

    public PrometheusRegistry registry() {
        return registry;
    }

    /** Serves {@code /metrics} on {@code host:port} (port 0: a free one) until closed. */
    public HTTPServer serve(String host, int port) throws IOException {
        return HTTPServer.builder().hostname(host).port(port).registry(registry).buildAndStart();
    }
}
