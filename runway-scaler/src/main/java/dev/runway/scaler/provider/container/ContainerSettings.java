package dev.runway.scaler.provider.container;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.runway.scaler.config.ConfigException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * A pool's {@code container:} section. Every problem is reported at once, named as {@code pool <name>:
 * container.<key>: ...}; unknown keys are errors, so a typo never silently means "no limit".
 *
 * @param engine the Docker or Podman API ({@code unix:///path} or {@code tcp://host:port})
 * @param network {@code host} (the agent reaches a control plane on 127.0.0.1) or a named network
 * @param cpus CPUs per runner (fractions allowed), null for no limit
 * @param memoryBytes memory per runner, null for no limit
 * @param pidsLimit processes per runner, null for no limit
 * @param volumes {@code host:container[:ro|:rw]} binds, chosen by the operator (e.g. a JDK and the runway
 *     distribution mounted into a small image)
 * @param user the user the runner runs as ({@code name}, {@code uid} or {@code uid:gid}), null for the image's
 * @param pull when the image is pulled
 */
public record ContainerSettings(
        String engine,
        String network,
        Double cpus,
        Long memoryBytes,
        Long pidsLimit,
        List<String> volumes,
        String user,
        Pull pull) {

    /** When the engine pulls a runner's image: only when it lacks it, never (air-gapped), or before every start. */
    public enum Pull {
        MISSING,
        NEVER,
        ALWAYS
    }

    static final Set<String> KEYS =
            Set.of("engine", "network", "cpus", "memory", "pids-limit", "volumes", "user", "pull");
    private static final Pattern NETWORK = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]*");
    private static final long MIN_MEMORY = 6L << 20;

    public ContainerSettings {
        volumes = List.copyOf(volumes);
    }

    /** Reads {@code section} (a missing section is an empty one); {@code env} gives the default engine. */
    public static ContainerSettings read(String pool, JsonNode section, Map<String, String> env)
            throws ConfigException {
        Reader r = new Reader("pool " + pool + ": container.");
        if (section != null && !section.isNull() && !section.isObject()) {
            throw new ConfigException(List.of("pool " + pool + ": container: expected a mapping of settings"));
        }
        JsonNode s = section == null || section.isNull() ? JsonNodeFactory.instance.objectNode() : section;
        s.fieldNames().forEachRemaining(k -> {
            if (k.equals("privileged")) {
                r.problem(
                        k,
                        "not accepted: a privileged runner container gives every job it runs root on this host;"
                                + " grant what jobs need through volumes, user or the runner's own container"
                                + " executor instead");
            } else if (!KEYS.contains(k)) {
                r.problem(k, "unknown key; expected one of " + String.join(", ", new TreeSet<>(KEYS)));
            }
        });
        String dockerHost = env.get("DOCKER_HOST");
        String engine = r.string(s, "engine", dockerHost != null && !dockerHost.isBlank() ? dockerHost : localEngine());
        if (engine != null && !engine.startsWith("unix:///") && !engine.startsWith("tcp://"))
            r.problem("engine", "expected unix:///path/to/socket or tcp://host:port (got '" + engine + "')");
        String network = r.string(s, "network", "host");
        if (network != null && !NETWORK.matcher(network).matches())
            r.problem("network", "expected host or the name of a network on the engine (got '" + network + "')");
        Double cpus = null;
        JsonNode c = s.get("cpus");
        if (c != null && !c.isNull()) {
            try {
                if (c.isContainerNode()) throw new NumberFormatException();
                cpus = Double.parseDouble(c.asText().strip());
                if (!(cpus > 0) || cpus > 1024) throw new NumberFormatException();
            } catch (NumberFormatException e) {
                r.problem("cpus", "expected a number of CPUs above 0, such as 2 or 1.5 (got '" + text(c) + "')");
                cpus = null;
            }
        }
        Long memory = null;
        JsonNode m = s.get("memory");
        if (m != null && !m.isNull()) {
            memory = m.isContainerNode() ? null : parseBytes(m.asText());
            if (memory == null || memory < MIN_MEMORY)
                r.problem(
                        "memory",
                        "expected a size of at least 6m, such as 512m or 4g, or a number of bytes (got '" + text(m)
                                + "')");
        }
        Long pids = null;
        JsonNode p = s.get("pids-limit");
        if (p != null && !p.isNull()) {
            if (!p.isIntegralNumber() || !p.canConvertToLong() || p.asLong() < 1) {
                r.problem("pids-limit", "expected a whole number of processes, at least 1 (got '" + text(p) + "')");
            } else {
                pids = p.asLong();
            }
        }
        List<String> volumes = new ArrayList<>();
        JsonNode v = s.get("volumes");
        if (v != null && !v.isNull()) {
            if (!v.isArray()) {
                r.problem("volumes", "expected a list of host:container[:ro] binds");
            } else {
                for (JsonNode b : v) {
                    String problem = b.isContainerNode() ? "expected a string" : bindProblem(b.asText());
                    if (problem != null) r.problem("volumes", "'" + text(b) + "': " + problem);
                    else volumes.add(b.asText());
                }
            }
        }
        String user = r.string(s, "user", null);
        if (user != null && (user.isBlank() || user.chars().anyMatch(Character::isWhitespace)))
            r.problem("user", "expected a user name, uid or uid:gid (got '" + user + "')");
        Pull pull = Pull.MISSING;
        String pullText = r.string(s, "pull", "missing");
        if (pullText != null) {
            try {
                pull = Pull.valueOf(pullText.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                r.problem("pull", "expected missing, never or always (got '" + pullText + "')");
            }
        }
        if (!r.problems.isEmpty()) throw new ConfigException(r.problems);
        return new ContainerSettings(engine, network, cpus, memory, pids, volumes, user, pull);
    }

    /** Why {@code spec} is not {@code /host/path:/container/path[:ro|:rw]}, or null when it is. */
    static String bindProblem(String spec) {
        String[] parts = spec.split(":", -1);
        if (parts.length < 2 || parts.length > 3)
            return "expected host:container or host:container:ro (absolute paths)";
        if (!parts[0].startsWith("/")) return "the host path must be absolute";
        if (!parts[1].startsWith("/")) return "the container path must be absolute";
        if (parts.length == 3 && !parts[2].equals("ro") && !parts[2].equals("rw"))
            return "the mode must be ro or rw (got '" + parts[2] + "')";
        return null;
    }

    /** Docker's size syntax ({@code 512m}, {@code 4g}, {@code 1.5g}, {@code 4GiB}, or bytes); null when not one. */
    static Long parseBytes(String text) {
        try {
            return dev.runway.protocol.ByteSizes.parse(text);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static String text(JsonNode n) {
        return n.isContainerNode() ? (n.isArray() ? "a list" : "a mapping") : n.asText();
    }

    /** Typed reads that collect problems instead of stopping at the first. */
    private static final class Reader {
        final String prefix;
        final List<String> problems = new ArrayList<>();

        Reader(String prefix) {
            this.prefix = prefix;
        }

        void problem(String key, String message) {
            problems.add(prefix + key + ": " + message);
        }

        String string(JsonNode n, String key, String dflt) {
            JsonNode v = n.get(key);
            if (v == null || v.isNull()) return dflt;
            if (v.isContainerNode()) {
                problem(key, "expected a single value, not " + text(v));
                return dflt;
            }
            return v.asText().strip();
        }
    }

    /** As the agent's container executor: Docker's socket, else Podman's (rootful), else Docker's default. */
    static String localEngine() {
        for (String socket : java.util.List.of("/var/run/docker.sock", "/run/podman/podman.sock")) {
            if (java.nio.file.Files.exists(java.nio.file.Path.of(socket))) return "unix://" + socket;
        }
        return "unix:///var/run/docker.sock";
    }
}
