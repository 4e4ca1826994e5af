package dev.runway.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The monitoring kit under deploy/ against the metric contract of docs/metrics.md: promtool checks and unit-tests
 * the Prometheus rules and checks the example configuration; the Grafana dashboard and the rules use only metric
 * and label names the contract defines (or recording rules of rules.yml), so a typo fails the build instead of
 * drawing an empty panel or an alert that never fires. promtool is required under CI=true, skipped elsewhere.
 */
class DeployPrometheusRulesTest {
    static final Path ROOT = ModuleBoundariesTest.ROOT;
    static final Path PROMETHEUS = ROOT.resolve("deploy/prometheus");
    static final Path RULES = PROMETHEUS.resolve("rules.yml");
    static final Path DASHBOARD = ROOT.resolve("deploy/grafana/runway-dashboard.json");
    static final Path METRICS_DOC = ROOT.resolve("docs/metrics.md");
    static final long PROMTOOL_TIMEOUT_SECONDS = 180;

    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void promtoolAcceptsTheRules() throws Exception {
        assertPromtoolSucceeds(PROMETHEUS, "check", "rules", RULES.toString());
    }

    @Test
    void theRulesPassTheirUnitTests() throws Exception {
        assertPromtoolSucceeds(
                PROMETHEUS,
                "test",
                "rules",
                PROMETHEUS.resolve("rules.test.yml").toString());
    }

    /** The example points at /etc/prometheus/runway-token, which promtool wants to exist: check a copy. */
    @Test
    void promtoolAcceptsTheExampleConfig(@TempDir Path tmp) throws Exception {
        String config = Files.readString(PROMETHEUS.resolve("prometheus.yml"));
        assertThat(config)
                .contains("credentials_file: /etc/prometheus/runway-token")
                .contains("- rules.yml");
        Path token = Files.writeString(tmp.resolve("runway-token"), "rw_test_token\n");
        Files.copy(RULES, tmp.resolve("rules.yml"));
        Path copy = Files.writeString(
                tmp.resolve("prometheus.yml"), config.replace("/etc/prometheus/runway-token", token.toString()));
        assertPromtoolSucceeds(tmp, "check", "config", copy.toString());
    }

    /** Every dashboard query, with Grafana's variables filled in, parses as PromQL (checked as recording rules). */
    @Test
    void theDashboardQueriesAreValidPromQl(@TempDir Path tmp) throws Exception {
        StringBuilder rules = new StringBuilder("groups:\n  - name: dashboard\n    rules:\n");
        int i = 0;
        for (String query : dashboardQueries().values()) {
            Matcher variable = LABEL_VALUES.matcher(query); // Grafana's, not PromQL: check its series selector
            String expr = variable.matches() ? variable.group(1) : query;
            String filled = expr.replace("$__rate_interval", "5m")
                    .replace("$__range", "1d")
                    .replace("$__interval", "1m")
                    .replace("$pool", ".*");
            rules.append("      - record: dashboard_query_")
                    .append(++i)
                    .append("\n        expr: ")
                    .append(JSON.writeValueAsString(filled))
                    .append('\n');
        }
        Path file = Files.writeString(tmp.resolve("dashboard-queries.yml"), rules);
        assertPromtoolSucceeds(tmp, "check", "rules", file.toString());
    }

    @Test
    void everyDashboardPanelHasAQuery() throws Exception {
        JsonNode dashboard = JSON.readTree(DASHBOARD.toFile());
        assertThat(dashboard.path("schemaVersion").asInt()).isGreaterThanOrEqualTo(36);
        assertThat(dashboard.path("templating").path("list").findValuesAsText("name"))
                .contains("datasource");
        List<String> problems = new ArrayList<>();
        List<JsonNode> panels = panels(dashboard);
        assertThat(panels).hasSizeGreaterThan(10);
        for (JsonNode panel : panels) {
            String title = panel.path("title").asText();
            if (!panel.path("datasource").path("uid").asText().equals("${datasource}"))
                problems.add(title + ": datasource is not ${datasource}");
            JsonNode targets = panel.path("targets");
            if (!targets.isArray() || targets.isEmpty()) problems.add(title + ": no query");
            for (JsonNode target : targets)
                if (target.path("expr").asText().isBlank())
                    problems.add(title + " " + target.path("refId").asText() + ": empty query");
        }
        assertThat(problems).isEmpty();
        assertThat(rowTitles(dashboard)).containsExactly("Executive", "On-call", "Debug");
    }

    @Test
    void theDashboardAndTheRulesUseOnlyContractMetricsAndLabels() throws Exception {
        Contract contract = Contract.parse(Files.readString(METRICS_DOC));
        assertThat(contract.metrics()).contains("runway_jobs_finished_total", "runway_job_queue_wait_seconds_bucket");
        assertThat(contract.labels()).contains("pool", "outcome", "kind", "aggregation");
        Set<String> recorded = new TreeSet<>();
        Map<String, String> queries = new LinkedHashMap<>();
        for (JsonNode rule : rules()) {
            if (rule.has("record")) recorded.add(rule.get("record").asText());
            String name = rule.has("record")
                    ? rule.get("record").asText()
                    : rule.get("alert").asText();
            queries.put("rules.yml " + name, rule.get("expr").asText());
        }
        queries.putAll(dashboardQueries());

        List<String> unknown = new ArrayList<>();
        queries.forEach((where, expr) -> {
            for (String metric : metricNames(expr))
                if (!contract.definesMetric(metric) && !recorded.contains(metric))
                    unknown.add(where + ": metric " + metric);
            for (String label : labelNames(expr))
                if (!contract.definesLabel(label)) unknown.add(where + ": label " + label);
        });
        assertThat(unknown)
                .as("names neither in docs/metrics.md's tables nor recorded by rules.yml")
                .isEmpty();
        assertThat(queries).hasSizeGreaterThan(40);
    }

    @Test
    void everyAlertHasASeverityAnAnnotatedRunbookAndADocumentedAnchor() throws Exception {
        String doc = Files.readString(METRICS_DOC);
        Set<String> anchors = anchors(doc);
        List<String> problems = new ArrayList<>();
        int alerts = 0;
        for (JsonNode rule : rules()) {
            if (!rule.has("alert")) continue;
            alerts++;
            String name = rule.get("alert").asText();
            String severity = rule.path("labels").path("severity").asText();
            if (!Set.of("page", "ticket").contains(severity)) problems.add(name + ": severity '" + severity + "'");
            for (String annotation : List.of("summary", "description", "runbook"))
                if (rule.path("annotations").path(annotation).asText().isBlank())
                    problems.add(name + ": no " + annotation);
            String runbook = rule.path("annotations").path("runbook").asText();
            if (!runbook.startsWith("docs/metrics.md#")
                    || !anchors.contains(runbook.substring(runbook.indexOf('#') + 1)))
                problems.add(name + ": runbook " + runbook + " is not a heading of docs/metrics.md");
            if (!doc.contains(name.replaceAll("(Fast|Medium|Slow)$", "")))
                problems.add(name + ": not described in docs/metrics.md");
        }
        assertThat(problems).isEmpty();
        assertThat(alerts).isGreaterThanOrEqualTo(12);
        assertThat(anchors).contains("alerts", "grafana-dashboard", "dashboard");
    }

    /** The name check itself: a misspelt metric or label is caught, PromQL's own words are not. */
    @Test
    void theNameCheckCatchesTypos() throws Exception {
        Contract contract = Contract.parse(Files.readString(METRICS_DOC));
        String expr = "histogram_quantile(0.95, sum by (le, pol) (rate(runway_job_queue_wait_secnds_bucket"
                + "{pool=~\"$pool\", outcome!=\"x\"}[5m]))) > 1e3 and on() vector(1) offset 5m";
        assertThat(metricNames(expr)).containsExactly("runway_job_queue_wait_secnds_bucket");
        assertThat(labelNames(expr)).containsExactlyInAnyOrder("le", "pol", "pool", "outcome");
        assertThat(contract.definesMetric("runway_job_queue_wait_secnds_bucket"))
                .isFalse();
        assertThat(contract.definesMetric("runway_job_queue_wait_seconds_count"))
                .isTrue();
        assertThat(contract.definesMetric("jvm_memory_used_bytes")).isTrue();
        assertThat(contract.definesLabel("pol")).isFalse();
        assertThat(metricNames("label_values(runway_runners, pool)")).containsExactly("runway_runners");
    }

    // ---------------------------------------------------------------------------------------------------------
    // PromQL names: good enough for the expressions we write (no string arguments besides label_replace's).

    static final Set<String> PROMQL_WORDS = Set.of(
            "and",
            "or",
            "unless",
            "by",
            "without",
            "on",
            "ignoring",
            "group_left",
            "group_right",
            "offset",
            "bool",
            "inf",
            "nan",
            "atan2");
    static final Pattern STRING = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'");
    static final Pattern MATCHERS = Pattern.compile("\\{([^}]*)}");
    static final Pattern RANGE = Pattern.compile("\\[[^]]*]");
    static final Pattern GROUPING =
            Pattern.compile("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\(([^)]*)\\)");
    static final Pattern VARIABLE = Pattern.compile("\\$\\{?\\w+}?");
    static final Pattern IDENTIFIER = Pattern.compile("(?<![\\w.:])[a-zA-Z_:][a-zA-Z0-9_:]*");
    static final Pattern MATCHER_LABEL = Pattern.compile("([a-zA-Z_]\\w*)\\s*(?:=~|!~|!=|=)");
    static final Pattern LABEL_VALUES = Pattern.compile("label_values\\(\\s*([^,)]+)(?:,\\s*(\\w+))?\\s*\\)");

    static Set<String> metricNames(String expr) {
        Set<String> names = new TreeSet<>();
        Matcher lv = LABEL_VALUES.matcher(expr);
        if (lv.matches()) {
            names.addAll(metricNames(lv.group(1)));
            return names;
        }
        String s = STRING.matcher(expr).replaceAll("\"\"");
        s = MATCHERS.matcher(s).replaceAll(" ");
        s = RANGE.matcher(s).replaceAll(" ");
        s = GROUPING.matcher(s).replaceAll(" ");
        s = VARIABLE.matcher(s).replaceAll(" ");
        Matcher m = IDENTIFIER.matcher(s);
        while (m.find()) {
            String word = m.group();
            String rest = s.substring(m.end()).stripLeading();
            if (rest.startsWith("(")) continue; // a function or an aggregation
            if (PROMQL_WORDS.contains(word.toLowerCase(Locale.ROOT))) continue;
            names.add(word);
        }
        return names;
    }

    static Set<String> labelNames(String expr) {
        Set<String> labels = new TreeSet<>();
        Matcher lv = LABEL_VALUES.matcher(expr);
        if (lv.matches()) {
            if (lv.group(2) != null) labels.add(lv.group(2));
            return labels;
        }
        String s = STRING.matcher(expr).replaceAll("\"\"");
        Matcher g = GROUPING.matcher(s);
        while (g.find()) for (String label : g.group(2).split(",")) if (!label.isBlank()) labels.add(label.strip());
        Matcher m = MATCHERS.matcher(s);
        while (m.find()) {
            Matcher l = MATCHER_LABEL.matcher(m.group(1));
            while (l.find()) labels.add(l.group(1));
        }
        return labels;
    }

    /** The names docs/metrics.md defines: its metric tables (histograms with their series) and its label table. */
    record Contract(Set<String> metrics, Set<String> prefixes, Set<String> labels) {
        /** Set by Prometheus on every scraped series, or parts of histograms and of the JVM instrumentation. */
        static final Set<String> STANDARD_LABELS = Set.of("job", "instance", "le", "quantile", "area", "gc");

        static Contract parse(String markdown) {
            Set<String> metrics = new TreeSet<>();
            Set<String> prefixes = new TreeSet<>();
            Set<String> labels = new TreeSet<>();
            String table = "";
            Pattern backticked = Pattern.compile("`([^`]+)`");
            for (String line : markdown.split("\n")) {
                if (!line.startsWith("|")) {
                    table = "";
                    continue;
                }
                String[] cells = line.split("\\|", -1);
                String first = cells.length > 1 ? cells[1].strip() : "";
                if (table.isEmpty()) {
                    table = first; // the header row names the table
                    continue;
                }
                if (first.startsWith("---")) continue;
                Matcher m = backticked.matcher(first);
                while (m.find()) {
                    String name = m.group(1);
                    if (table.equals("Metric")) {
                        if (name.endsWith("*")) prefixes.add(name.substring(0, name.length() - 1));
                        else metrics.add(name);
                        if (cells.length > 2 && cells[2].contains("histogram"))
                            for (String suffix : List.of("_bucket", "_count", "_sum")) metrics.add(name + suffix);
                    } else if (table.equals("Label")) {
                        labels.add(name);
                    }
                }
            }
            return new Contract(metrics, prefixes, labels);
        }

        boolean definesMetric(String name) {
            return metrics.contains(name) || prefixes.stream().anyMatch(name::startsWith);
        }

        boolean definesLabel(String name) {
            return labels.contains(name) || STANDARD_LABELS.contains(name);
        }
    }

    // ---------------------------------------------------------------------------------------------------------

    static List<JsonNode> rules() throws IOException {
        List<JsonNode> rules = new ArrayList<>();
        for (JsonNode group : YAML.readTree(RULES.toFile()).path("groups"))
            group.path("rules").forEach(rules::add);
        assertThat(rules).isNotEmpty();
        return rules;
    }

    /** Panels of every row, collapsed ones included; rows themselves are not panels. */
    static List<JsonNode> panels(JsonNode dashboard) {
        List<JsonNode> panels = new ArrayList<>();
        for (JsonNode panel : dashboard.path("panels")) {
            if (panel.path("type").asText().equals("row")) panel.path("panels").forEach(panels::add);
            else panels.add(panel);
        }
        return panels;
    }

    static List<String> rowTitles(JsonNode dashboard) {
        List<String> titles = new ArrayList<>();
        for (JsonNode panel : dashboard.path("panels"))
            if (panel.path("type").asText().equals("row"))
                titles.add(panel.path("title").asText());
        return titles;
    }

    /** Panel queries and query variables, by where they are. */
    static Map<String, String> dashboardQueries() throws IOException {
        JsonNode dashboard = JSON.readTree(DASHBOARD.toFile());
        Map<String, String> queries = new LinkedHashMap<>();
        for (JsonNode panel : panels(dashboard))
            for (JsonNode target : panel.path("targets"))
                queries.put(
                        "dashboard panel '" + panel.path("title").asText() + "' "
                                + target.path("refId").asText(),
                        target.path("expr").asText());
        for (JsonNode variable : dashboard.path("templating").path("list"))
            if (variable.path("type").asText().equals("query")) {
                JsonNode q = variable.path("query");
                queries.put(
                        "dashboard variable " + variable.path("name").asText(),
                        q.isObject() ? q.path("query").asText() : q.asText());
            }
        return queries;
    }

    /** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
    static Set<String> anchors(String markdown) {
        Set<String> anchors = new TreeSet<>();
        for (String line : markdown.split("\n"))
            if (line.startsWith("#"))
                anchors.add(line.replaceFirst("^#+\\s*", "")
                        .strip()
                        .toLowerCase(Locale.ROOT)
                        .replaceAll("[^a-z0-9 _-]", "")
                        .replace(' ', '-'));
        return anchors;
    }

    // ---------------------------------------------------------------------------------------------------------

    static Path promtool() {
        String override = System.getenv("PROMTOOL");
        if (override != null && !override.isBlank()) {
            assertThat(Path.of(override)).as("PROMTOOL").isExecutable();
            return Path.of(override);
        }
        String path = System.getenv().getOrDefault("PATH", "");
        Path found = Stream.of(path.split(File.pathSeparator))
                .filter(dir -> !dir.isBlank())
                .map(dir -> Path.of(dir, "promtool"))
                .filter(Files::isExecutable)
                .findFirst()
                .orElse(null);
        if (found == null && "true".equals(System.getenv("CI")))
            throw new AssertionError(
                    "promtool is required under CI=true (the CI image installs it) but is not on PATH");
        assumeTrue(found != null, "promtool not on PATH (or PROMTOOL): Prometheus rule checks skipped outside CI");
        return found;
    }

    static void assertPromtoolSucceeds(Path dir, String... args) throws Exception {
        Path promtool = promtool();
        List<String> command = new ArrayList<>(List.of(promtool.toString()));
        command.addAll(List.of(args));
        Path output = Files.createTempFile("promtool", ".out");
        try {
            Process p = new ProcessBuilder(command)
                    .directory(dir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(output.toFile())
                    .start();
            boolean exited = p.waitFor(PROMTOOL_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            if (!exited) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                throw new AssertionError(String.join(" ", command) + " did not finish within "
                        + PROMTOOL_TIMEOUT_SECONDS + " s; output so far:\n" + read(output));
            }
            String out = read(output);
            assertThat(p.exitValue())
                    .as("%s exited with %d:%n%s", String.join(" ", command), p.exitValue(), out)
                    .isZero();
            System.out.println(String.join(" ", command) + "\n" + out);
        } finally {
            Files.deleteIfExists(output);
        }
    }

    static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
