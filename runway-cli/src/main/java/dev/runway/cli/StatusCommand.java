package dev.runway.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.runway.protocol.ApiPaths;
import dev.runway.protocol.Json;
import dev.runway.protocol.ProtocolVersion;
import dev.runway.protocol.RunnerList;
import dev.runway.protocol.RunnerView;
import dev.runway.protocol.StatsView;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "status",
        mixinStandardHelpOptions = true,
        description = {
            "One screen on the control plane: its health, the service level indicators of the last hour (success"
                    + " rate, durations, queue waits, authentication failures, masked secrets), the queue by label"
                    + " set, runners by state and version, and the top failures.",
            "Exit code 0 when the control plane answers healthy, 1 when it is unreachable or unhealthy."
        })
final class StatusCommand implements Callable<Integer> {
    static final int TOP_FAILURES = 5;

    @Mixin
    ClientOptions client;

    @Option(
            names = "--window",
            defaultValue = "1h",
            converter = DurationConverter.class,
            description = "How far back the indicators look: 1h, 24h, 7d or ISO-8601 (PT6H); default ${DEFAULT-VALUE}.")
    Duration window;

    @Option(names = "--json", description = "Print the control plane's stats (GET /api/v1/stats) as JSON instead.")
    boolean json;

    /** What {@code GET /healthz} said: ok or not, and the version and protocol when the control plane tells them. */
    record Health(boolean ok, String detail, String version, String protocol) {}

    @Override
    public Integer call() {
        if (window.isNegative() || window.isZero()) throw new CliException("--window: must be positive");
        ApiClient api = client.client();
        Health health = health(api);
        if (json) {
            ApiClient.Response r = api.send("GET", statsPath(window), null, Duration.ofSeconds(30));
            try {
                JsonNode n = Json.lenient().readTree(r.body());
                System.out.println(Json.lenient()
                        .copy()
                        .enable(SerializationFeature.INDENT_OUTPUT)
                        .writeValueAsString(n));
            } catch (IOException e) {
                throw new CliException("unexpected answer from the control plane: " + e.getMessage());
            }
            return health.ok() ? 0 : 1;
        }
        StatsView stats = null;
        String statsProblem = null;
        try {
            stats = api.get(statsPath(window), StatsView.class);
        } catch (CliException e) { // e.g. a control plane older than the stats endpoint: show what there is
            statsProblem = e.getMessage();
        }
        RunnerList runners = api.get(ApiPaths.RUNNERS, RunnerList.class);
        System.out.print(render(api.url(), health, window, stats, statsProblem, runners));
        return health.ok() ? 0 : 1;
    }

    static String statsPath(Duration window) {
        return ApiPaths.STATS + "?window=" + window;
    }

    /** Unreachable: a CliException (exit code 1, no stack trace). Any answer but 2xx with status ok: not ok. */
    static Health health(ApiClient api) {
        HttpResponse<byte[]> r;
        try {
            r = HttpClient.newBuilder()
                    .connectTimeout(Duration.ofSeconds(5))
                    .build()
                    .send(
                            HttpRequest.newBuilder(URI.create(api.url() + ApiPaths.HEALTH))
                                    .timeout(Duration.ofSeconds(10))
                                    .GET()
                                    .build(),
                            HttpResponse.BodyHandlers.ofByteArray());
        } catch (java.net.ConnectException | java.net.http.HttpConnectTimeoutException e) {
            throw new CliException("cannot reach the control plane at " + api.url() + " (is `runway server` running?)");
        } catch (IOException e) {
            throw new CliException("cannot reach the control plane at " + api.url() + ": " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException("interrupted");
        } catch (IllegalArgumentException e) {
            throw new CliException("invalid control plane URL '" + api.url() + "': " + e.getMessage());
        }
        String status = r.statusCode() / 100 == 2 ? "ok" : "HTTP " + r.statusCode();
        String version = null;
        try {
            JsonNode n = Json.lenient().readTree(r.body());
            if (n != null && n.hasNonNull("status")) status = n.get("status").asText();
            if (n != null && n.hasNonNull("version")) version = n.get("version").asText();
        } catch (IOException ignored) {
            // an answer that is not JSON: the status code says enough
        }
        boolean ok = r.statusCode() / 100 == 2 && status.equalsIgnoreCase("ok");
        return new Health(
                ok,
                status,
                version,
                r.headers().firstValue(ProtocolVersion.HEADER).orElse(null));
    }

    /** The screen; pure so it can be tested. {@code stats} null: {@code statsProblem} says why. */
    static String render(
            String url, Health health, Duration window, StatsView stats, String statsProblem, RunnerList runners) {
        StringBuilder sb = new StringBuilder();
        List<String> about = new ArrayList<>();
        if (health.version() != null) about.add("version " + health.version());
        if (health.protocol() != null) about.add("protocol " + health.protocol());
        sb.append("Control plane  ")
                .append(url)
                .append("  ")
                .append(health.ok() ? "healthy" : "UNHEALTHY: " + health.detail())
                .append(about.isEmpty() ? "" : "  (" + String.join(", ", about) + ")")
                .append("\n\n");

        if (stats == null) {
            sb.append("Service level indicators: unavailable (")
                    .append(statsProblem)
                    .append(")\n\n");
        } else {
            sb.append(slis(stats, window)).append('\n');
            sb.append(queue(stats.queue())).append('\n');
        }
        sb.append(runners(stats == null ? null : stats.runners(), runners));
        if (stats != null) sb.append('\n').append(failures(stats.failures()));
        return sb.toString();
    }

    static String slis(StatsView s, Duration window) {
        StringBuilder sb = new StringBuilder();
        long seconds = s.windowSeconds() > 0 ? s.windowSeconds() : window.toSeconds();
        sb.append("Last ").append(window(Duration.ofSeconds(seconds))).append('\n');
        StatsView.Jobs j = s.jobs();
        if (j == null) return sb.append("  no job figures\n").toString();
        List<String> kinds = new ArrayList<>();
        kinds.add(j.succeeded() + " succeeded");
        if (j.failed() > 0) kinds.add(j.failed() + " failed");
        if (j.timedOut() > 0) kinds.add(j.timedOut() + " timed out");
        if (j.runnerLost() > 0) kinds.add(j.runnerLost() + " runner lost");
        if (j.cancelled() > 0) kinds.add(j.cancelled() + " cancelled");
        row(
                sb,
                "Success rate",
                (j.successRate() == null ? "-" : percent(j.successRate())) + "  (" + j.finished() + " finished: "
                        + String.join(", ", kinds) + ")");
        row(sb, "Duration", "p50 " + human(j.durationP50Ms()) + "   p95 " + human(j.durationP95Ms()));
        row(
                sb,
                "Queue wait",
                "p50 " + human(j.queueWaitP50Ms()) + "   p95 " + human(j.queueWaitP95Ms()) + "   (" + j.started()
                        + " started)");
        StatsView.Security sec = s.security();
        if (sec != null) {
            Map<String, Integer> auth = sec.authFailures() == null ? Map.of() : sec.authFailures();
            int total = auth.values().stream().mapToInt(Integer::intValue).sum();
            row(sb, "Auth failures", total + (total == 0 ? "" : "  (" + counts(auth) + ")"));
            row(sb, "Secrets masked", Long.toString(sec.secretsMasked()));
        }
        return sb.toString();
    }

    static String queue(StatsView.Queue q) {
        StringBuilder sb = new StringBuilder();
        if (q == null || q.queued() == 0) return "Queue: empty\n";
        sb.append("Queue: ")
                .append(q.queued())
                .append(" queued, oldest ")
                .append(human(q.oldestAgeMs()))
                .append(q.oldestJobId() == null ? "" : " (" + q.oldestJobId() + ")")
                .append('\n');
        List<List<String>> rows = new ArrayList<>();
        for (StatsView.QueueGroup g : q.groups() == null ? List.<StatsView.QueueGroup>of() : q.groups()) {
            rows.add(List.of(
                    g.labels() == null || g.labels().isEmpty() ? "(any)" : String.join(",", g.labels()),
                    Integer.toString(g.queued()),
                    human(g.oldestAgeMs())));
        }
        if (!rows.isEmpty()) sb.append(indent(Format.table(List.of("LABELS", "QUEUED", "OLDEST"), rows)));
        return sb.toString();
    }

    /** From the stats when there are any, else counted from the runner list; unhealthy runners with their reason. */
    static String runners(StatsView.Runners fromStats, RunnerList list) {
        List<RunnerView> all = list == null || list.runners() == null ? List.of() : list.runners();
        Map<String, Integer> byState = fromStats != null && fromStats.byState() != null
                ? fromStats.byState()
                : all.stream().collect(Collectors.toMap(RunnerView::state, r -> 1, Integer::sum, TreeMap::new));
        Map<String, Integer> byVersion = fromStats != null && fromStats.byVersion() != null
                ? fromStats.byVersion()
                : all.stream()
                        .collect(Collectors.toMap(
                                r -> r.version() == null ? "unknown" : r.version(),
                                r -> 1,
                                Integer::sum,
                                TreeMap::new));
        int total = fromStats != null ? fromStats.total() : all.size();
        StringBuilder sb = new StringBuilder("Runners: ").append(total).append('\n');
        if (total == 0)
            return sb.append("  none registered: start one with `runway agent`\n")
                    .toString();
        row(sb, "By state", counts(byState));
        row(sb, "By version", counts(byVersion));
        for (RunnerView r : all) {
            if ("unhealthy".equals(r.state()))
                row(
                        sb,
                        "Unhealthy",
                        r.name() + " (" + r.id() + ")"
                                + (r.unhealthyReason() == null ? "" : ": " + r.unhealthyReason()));
        }
        return sb.toString();
    }

    static String failures(List<StatsView.FailureGroup> failures) {
        if (failures == null || failures.isEmpty()) return "Top failures: none\n";
        List<List<String>> rows = failures.stream()
                .limit(TOP_FAILURES)
                .map(f -> List.of(
                        f.workflow() == null ? "-" : f.workflow(),
                        f.runner() == null ? "-" : f.runner(),
                        Integer.toString(f.failed())))
                .toList();
        return "Top failures\n" + indent(Format.table(List.of("WORKFLOW", "RUNNER", "FAILED"), rows));
    }

    /** Durations for people: {@code 850ms}, {@code 4.2s}, {@code 42s}, {@code 1m 05s}, {@code 2h 03m}, {@code 3d 04h}. */
    static String human(Long ms) {
        if (ms == null) return "-";
        if (ms < 1000) return ms + "ms";
        if (ms < 10_000) return String.format(Locale.ROOT, "%.1fs", ms / 1000.0);
        Duration d = Duration.ofMillis(ms);
        if (d.toMinutes() < 1) return d.toSeconds() + "s";
        if (d.toHours() < 1) return String.format(Locale.ROOT, "%dm %02ds", d.toMinutes(), d.toSecondsPart());
        if (d.toDays() < 1) return String.format(Locale.ROOT, "%dh %02dm", d.toHours(), d.toMinutesPart());
        return String.format(Locale.ROOT, "%dd %02dh", d.toDays(), d.toHoursPart());
    }

    /** A window as it is typed: {@code 1h}, {@code 24h}, {@code 7d}, {@code 30m}. */
    static String window(Duration d) {
        long s = d.toSeconds();
        if (s % 86_400 == 0 && s / 86_400 >= 2) return s / 86_400 + "d";
        if (s % 3600 == 0) return s / 3600 + "h";
        if (s % 60 == 0) return s / 60 + "m";
        return s + "s";
    }

    static String percent(double ratio) {
        return String.format(Locale.ROOT, "%.1f%%", ratio * 100);
    }

    /** {@code busy 2, idle 3}: most first, then by name. */
    static String counts(Map<String, Integer> m) {
        if (m.isEmpty()) return "-";
        return m.entrySet().stream()
                .sorted(Map.Entry.<String, Integer>comparingByValue()
                        .reversed()
                        .thenComparing(Map.Entry.comparingByKey()))
                .map(e -> e.getKey() + " " + e.getValue())
                .collect(Collectors.joining(", "));
    }

    private static void row(StringBuilder sb, String name, String value) {
        sb.append(String.format(Locale.ROOT, "  %-15s %s", name, value)).append('\n');
    }

    private static String indent(String table) {
        return table.lines().map(l -> "  " + l).collect(Collectors.joining("\n", "", "\n"));
    }
}
