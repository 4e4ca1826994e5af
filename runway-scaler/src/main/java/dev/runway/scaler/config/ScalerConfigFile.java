package dev.runway.scaler.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the scaler's YAML file. Every problem is reported at once, each at {@code file:line:column} of the value
 * (or key) it is about, saying what was expected; unknown keys are errors (a typo must not silently mean "default").
 * Values are read from the file's Jackson tree, positions from its YAML nodes ({@link YamlTree}).
 */
public final class ScalerConfigFile {
    static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,62}");
    private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h|d)");
    private static final Set<String> TOP = Set.of("scaler-id", "state-dir", "agent-url", "reconcile-every", "pools");
    private static final Set<String> POOL = Set.of(
            "kind",
            "labels",
            "provider",
            "min-idle",
            "max",
            "idle-timeout",
            "register-timeout",
            "ephemeral",
            "agent",
            "canary",
            "process",
            "container",
            "kubernetes",
            "github");
    private static final Set<String> AGENT = Set.of("version", "image", "command", "args", "env");
    private static final Set<String> GITHUB =
            Set.of("api-url", "repository", "organization", "token-file", "runner-group-id");
    static final List<String> PROVIDERS = List.of("process", "container", "kubernetes");

    private final String file;
    private final YamlTree yaml;
    private final List<String> problems = new ArrayList<>();

    private ScalerConfigFile(String file, YamlTree yaml) {
        this.file = file;
        this.yaml = yaml;
    }

    public static ScalerConfig read(Path path) throws ConfigException {
        String text;
        try {
            text = Files.readString(path);
        } catch (IOException e) {
            throw new ConfigException(List.of(path + ": cannot read the scaler's file: " + e.getMessage()));
        }
        return parse(path.toString(), text, path.toAbsolutePath().getParent());
    }

    /** Parses {@code text}; relative paths in it are resolved against {@code baseDir}. */
    public static ScalerConfig parse(String file, String text, Path baseDir) throws ConfigException {
        YamlTree yaml;
        try {
            yaml = YamlTree.parse(text);
        } catch (YamlTree.YamlException e) {
            throw new ConfigException(List.of(file + ":" + e.getMessage()));
        }
        ScalerConfigFile f = new ScalerConfigFile(file, yaml);
        JsonNode tree = yaml.tree();
        if (tree == null || !tree.isObject()) {
            throw new ConfigException(List.of(file + ":1:1: expected a mapping with 'pools:' (see docs/scaler.md)"));
        }
        ScalerConfig config = f.top(tree, baseDir);
        if (!f.problems.isEmpty()) throw new ConfigException(f.problems);
        return config;
    }

    private ScalerConfig top(JsonNode t, Path baseDir) {
        unknownKeys(t, TOP, List.of());
        String scalerId = string(t, "scaler-id", List.of(), "runway-scaler");
        if (!NAME.matcher(scalerId).matches())
            error(List.of("scaler-id"), "scaler-id: lower-case letters, digits, '.', '_' and '-', at most 63");
        String stateDir = string(t, "state-dir", List.of(), ".runway/scaler");
        String agentUrl = string(t, "agent-url", List.of(), null);
        Duration reconcile = duration(t, "reconcile-every", List.of(), Duration.ofSeconds(5));
        List<PoolConfig> pools = new ArrayList<>();
        JsonNode ps = t.get("pools");
        if (ps == null || !ps.isObject() || ps.isEmpty()) {
            error(ps == null ? List.of() : List.of("pools"), "pools: expected a mapping of pool name to its settings");
        } else {
            for (Iterator<Map.Entry<String, JsonNode>> it = ps.fields(); it.hasNext(); ) {
                var e = it.next();
                pools.add(pool(e.getKey(), e.getValue(), baseDir));
            }
        }
        return new ScalerConfig(scalerId, baseDir.resolve(stateDir), agentUrl, reconcile, pools);
    }

    private PoolConfig pool(String name, JsonNode p, Path baseDir) {
        List<String> at = List.of("pools", name);
        if (!NAME.matcher(name).matches())
            errorAtKey(at, "pool name '" + name + "': lower-case letters, digits, '.', '_' and '-', at most 63");
        if (!p.isObject()) {
            error(at, "pool '" + name + "': expected a mapping of its settings");
            return null;
        }
        unknownKeys(p, POOL, at);
        String kind = string(p, "kind", at, "runway");
        if (!kind.equals("runway") && !kind.equals("github"))
            error(path(at, "kind"), "kind: 'runway' (this control plane's runners) or 'github' (GitHub's runner)");
        List<String> labels = strings(p, "labels", at);
        if (labels.isEmpty()) error(p.has("labels") ? path(at, "labels") : at, "labels: at least one label");
        String provider = string(p, "provider", at, "process");
        if (!PROVIDERS.contains(provider))
            error(
                    path(at, "provider"),
                    "provider: one of " + String.join(", ", PROVIDERS) + " (got '" + provider + "')");
        for (String other : PROVIDERS) {
            if (!other.equals(provider) && p.has(other))
                errorAtKey(path(at, other), "'" + other + ":' settings, but the pool's provider is " + provider);
        }
        int minIdle = integer(p, "min-idle", at, 0, 0, 10_000);
        int max = integer(p, "max", at, 10, 1, 10_000);
        if (minIdle > max) error(path(at, "min-idle"), "min-idle (" + minIdle + ") is more than max (" + max + ")");
        Duration idleTimeout = duration(p, "idle-timeout", at, Duration.ofMinutes(5));
        Duration registerTimeout = duration(p, "register-timeout", at, Duration.ofMinutes(2));
        boolean ephemeral = bool(p, "ephemeral", at, true);
        PoolConfig.Agent agent = agent(p.get("agent"), path(at, "agent"));
        PoolConfig.Canary canary = null;
        JsonNode c = p.get("canary");
        if (c != null) {
            List<String> cat = path(at, "canary");
            if (!c.isObject()) {
                error(cat, "canary: expected a mapping with percent and the agent settings to roll out");
            } else {
                Set<String> keys = new java.util.HashSet<>(AGENT);
                keys.add("percent");
                unknownKeys(c, keys, cat);
                int percent = integer(c, "percent", cat, 10, 1, 100);
                canary = new PoolConfig.Canary(percent, agent(c, cat));
                if (canary.agent().version() == null)
                    error(cat, "canary: give the version it rolls out (compared against the stable one)");
            }
        }
        PoolConfig.GitHub github = null;
        if (kind.equals("github")) {
            github = github(p.get("github"), path(at, "github"), baseDir);
        } else if (p.has("github")) {
            errorAtKey(path(at, "github"), "'github:' settings belong to a pool of kind: github");
        }
        JsonNode settings = p.has(provider) ? p.get(provider) : JsonNodeFactory.instance.objectNode();
        if (!settings.isObject()) error(path(at, provider), provider + ": expected a mapping of provider settings");
        return new PoolConfig(
                name,
                kind,
                labels,
                provider,
                minIdle,
                max,
                idleTimeout,
                registerTimeout,
                ephemeral,
                agent,
                canary,
                settings,
                github);
    }

    private PoolConfig.Agent agent(JsonNode a, List<String> at) {
        if (a == null) return new PoolConfig.Agent(null, null, null, List.of(), Map.of());
        if (!a.isObject()) {
            error(at, "agent: expected a mapping (version, image, command, args, env)");
            return new PoolConfig.Agent(null, null, null, List.of(), Map.of());
        }
        if (at.getLast().equals("agent")) unknownKeys(a, AGENT, at);
        List<String> command = a.has("command") ? strings(a, "command", at) : null;
        if (command != null && command.isEmpty()) error(path(at, "command"), "command: at least the program");
        Map<String, String> env = new LinkedHashMap<>();
        JsonNode e = a.get("env");
        if (e != null) {
            if (!e.isObject()) error(path(at, "env"), "env: expected a mapping of variable to value");
            else
                e.fields().forEachRemaining(f -> {
                    if (f.getValue().isContainerNode())
                        error(path(at, "env", f.getKey()), "env." + f.getKey() + ": expected a string");
                    else env.put(f.getKey(), f.getValue().asText());
                });
        }
        return new PoolConfig.Agent(
                string(a, "version", at, null), string(a, "image", at, null), command, strings(a, "args", at), env);
    }

    private PoolConfig.GitHub github(JsonNode g, List<String> at, Path baseDir) {
        if (g == null || !g.isObject()) {
            error(
                    g == null ? at.subList(0, 2) : at,
                    "github: a pool of kind github needs repository (owner/name) or" + " organization, and token-file");
            return null;
        }
        unknownKeys(g, GITHUB, at);
        String repo = string(g, "repository", at, null);
        String org = string(g, "organization", at, null);
        if ((repo == null) == (org == null))
            error(at, "github: give exactly one of repository (owner/name) or organization");
        if (repo != null && !repo.matches("[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+"))
            error(path(at, "repository"), "repository: owner/name (got '" + repo + "')");
        String tokenFile = string(g, "token-file", at, null);
        if (tokenFile == null) error(at, "github: token-file (a file holding a token that may manage runners)");
        return new PoolConfig.GitHub(
                string(g, "api-url", at, "https://api.github.com"),
                repo,
                org,
                tokenFile == null ? null : baseDir.resolve(tokenFile).toString(),
                integer(g, "runner-group-id", at, 1, 1, Integer.MAX_VALUE));
    }

    // ---- typed reads, each reporting at the value's position

    private String string(JsonNode n, String key, List<String> at, String dflt) {
        JsonNode v = n.get(key);
        if (v == null || v.isNull()) return dflt;
        if (v.isContainerNode()) {
            error(path(at, key), key + ": expected a single value, not a " + (v.isArray() ? "list" : "mapping"));
            return dflt;
        }
        return v.asText();
    }

    private List<String> strings(JsonNode n, String key, List<String> at) {
        JsonNode v = n.get(key);
        if (v == null || v.isNull()) return List.of();
        if (v.isTextual()) return List.of(v.asText().split("\\s*,\\s*"));
        if (!v.isArray()) {
            error(path(at, key), key + ": expected a list of strings");
            return List.of();
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < v.size(); i++) {
            if (v.get(i).isContainerNode()) error(path(at, key, Integer.toString(i)), key + ": expected strings");
            else out.add(v.get(i).asText());
        }
        return out;
    }

    private int integer(JsonNode n, String key, List<String> at, int dflt, int min, int max) {
        JsonNode v = n.get(key);
        if (v == null || v.isNull()) return dflt;
        if (!v.canConvertToInt() || !v.isIntegralNumber() || v.asInt() < min || v.asInt() > max) {
            error(
                    path(at, key),
                    key + ": expected a whole number from " + min + " to " + max + " (got '" + v.asText() + "')");
            return dflt;
        }
        return v.asInt();
    }

    private boolean bool(JsonNode n, String key, List<String> at, boolean dflt) {
        JsonNode v = n.get(key);
        if (v == null || v.isNull()) return dflt;
        if (!v.isBoolean()) {
            error(path(at, key), key + ": expected true or false (got '" + v.asText() + "')");
            return dflt;
        }
        return v.asBoolean();
    }

    private Duration duration(JsonNode n, String key, List<String> at, Duration dflt) {
        JsonNode v = n.get(key);
        if (v == null || v.isNull()) return dflt;
        Matcher m = DURATION.matcher(v.asText().strip());
        if (v.isContainerNode() || !m.matches() || Long.parseLong(m.group(1)) == 0) {
            error(path(at, key), key + ": expected a duration such as 30s, 5m, 1h (got '" + v.asText() + "')");
            return dflt;
        }
        long amount = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(amount);
            case "s" -> Duration.ofSeconds(amount);
            case "m" -> Duration.ofMinutes(amount);
            case "h" -> Duration.ofHours(amount);
            default -> Duration.ofDays(amount);
        };
    }

    private void unknownKeys(JsonNode n, Set<String> known, List<String> at) {
        n.fieldNames().forEachRemaining(k -> {
            if (!known.contains(k))
                errorAtKey(
                        path(at, k),
                        "unknown key '" + k + "'" + (at.isEmpty() ? "" : " in " + String.join(".", at))
                                + "; expected one of " + String.join(", ", new java.util.TreeSet<>(known)));
        });
    }

    // ---- positions

    private static List<String> path(List<String> at, String... more) {
        List<String> p = new ArrayList<>(at);
        p.addAll(List.of(more));
        return p;
    }

    private void error(List<String> at, String message) {
        problems.add(position(at, false) + ": " + message);
    }

    private void errorAtKey(List<String> at, String message) {
        problems.add(position(at, true) + ": " + message);
    }

    /** {@code file:line:column} of the node at {@code path} (of its key when {@code key}), or of the nearest parent. */
    private String position(List<String> path, boolean key) {
        return file + ":" + yaml.position(path, key);
    }
}
