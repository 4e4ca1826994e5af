package dev.runway.agent.container;

import dev.runway.agent.isolation.JobLimits;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A workflow job's {@code container:} or one of its {@code services:}, as GitHub's syntax gives it: an image name,
 * or a mapping with {@code image}, {@code env}, {@code options} (docker-run flags), {@code credentials} and
 * {@code ports}. Only the flags listed in {@link #OPTIONS} are accepted; flags that would weaken isolation
 * ({@code --privileged}, {@code --cap-add}, {@code --network}, {@code -v}...) are refused with a message.
 */
public record ContainerSpec(
        String image,
        Map<String, String> env,
        Map<String, String> credentials,
        JobLimits limits,
        String user,
        HealthCheck health,
        List<String> ports,
        boolean noNetwork) {

    /** A service's health check, run by the agent inside the container until it passes. */
    public record HealthCheck(String command, Duration interval, Duration timeout, int retries, Duration startPeriod) {}

    static final List<String> OPTIONS = List.of(
            "--cpus",
            "--memory (-m)",
            "--memory-swap",
            "--pids-limit",
            "--user (-u)",
            "--env (-e)",
            "--health-cmd",
            "--health-interval",
            "--health-timeout",
            "--health-retries",
            "--health-start-period",
            "--network none");

    private static final java.util.Set<String> KNOWN = java.util.Set.of(
            "--cpus",
            "--memory",
            "-m",
            "--memory-swap",
            "--pids-limit",
            "--user",
            "-u",
            "--env",
            "-e",
            "--health-cmd",
            "--health-interval",
            "--health-timeout",
            "--health-retries",
            "--health-start-period",
            "--network",
            "--net");

    /** Parses one {@code container:} or service value; {@code what} names it in messages. */
    public static ContainerSpec parse(Object value, String what) {
        if (value instanceof String s) return parse(Map.of("image", s), what);
        if (!(value instanceof Map<?, ?> m))
            throw new IllegalArgumentException(what + ": expected an image name or a mapping");
        Object image = m.get("image");
        if (image == null || String.valueOf(image).isBlank())
            throw new IllegalArgumentException(what + ": no image given (e.g. image: postgres:16)");
        for (Object k : m.keySet()) {
            if (!List.of("image", "env", "options", "credentials", "ports", "volumes")
                    .contains(String.valueOf(k)))
                throw new IllegalArgumentException(what + ": unknown key '" + k + "'");
        }
        if (m.get("volumes") instanceof List<?> v && !v.isEmpty())
            throw new IllegalArgumentException(what + ": volumes are not supported by Runway's container executor"
                    + " (the job's workspace is mounted; share files through it or through artifacts)");
        Map<String, String> env = new LinkedHashMap<>(strings(m.get("env"), what + ".env"));
        Map<String, String> credentials = strings(m.get("credentials"), what + ".credentials");
        Options o = options(m.get("options") == null ? "" : String.valueOf(m.get("options")), what);
        o.env.forEach(env::putIfAbsent);
        List<String> ports = m.get("ports") instanceof List<?> l
                ? l.stream().map(String::valueOf).toList()
                : m.get("ports") == null ? List.of() : List.of(String.valueOf(m.get("ports")));
        return new ContainerSpec(
                String.valueOf(image).strip(), env, credentials, o.limits(), o.user, o.health(), ports, o.noNetwork);
    }

    private static Map<String, String> strings(Object v, String what) {
        if (v == null) return Map.of();
        if (!(v instanceof Map<?, ?> m)) throw new IllegalArgumentException(what + ": expected a mapping");
        Map<String, String> out = new LinkedHashMap<>();
        m.forEach((k, val) -> out.put(String.valueOf(k), val == null ? "" : String.valueOf(val)));
        return out;
    }

    private static final class Options {
        Double cpus;
        Long memory;
        Integer pids;
        String user;
        boolean noNetwork;
        final Map<String, String> env = new LinkedHashMap<>();
        String healthCmd;
        Duration interval = Duration.ofSeconds(1);
        Duration timeout = Duration.ofSeconds(30);
        int retries = 30;
        Duration startPeriod = Duration.ZERO;

        JobLimits limits() {
            return new JobLimits(cpus, memory, pids);
        }

        HealthCheck health() {
            return healthCmd == null ? null : new HealthCheck(healthCmd, interval, timeout, retries, startPeriod);
        }
    }

    private static Options options(String text, String what) {
        Options o = new Options();
        List<String> words = words(text, what);
        for (int i = 0; i < words.size(); i++) {
            String flag = words.get(i);
            String value = null;
            int eq = flag.indexOf('=');
            if (flag.startsWith("--") && eq > 0) {
                value = flag.substring(eq + 1);
                flag = flag.substring(0, eq);
            }
            if (!flag.startsWith("-"))
                throw new IllegalArgumentException(what + ".options: '" + flag + "' is not a flag");
            if (!KNOWN.contains(flag))
                throw new IllegalArgumentException(what + ".options: " + flag + " is not supported (Runway accepts "
                        + String.join(", ", OPTIONS)
                        + "; flags that widen a job's access to the host, such as --privileged, --cap-add,"
                        + " --network or -v, are refused)");
            if (value == null) {
                if (i + 1 >= words.size())
                    throw new IllegalArgumentException(what + ".options: " + flag + " needs a value");
                value = words.get(++i);
            }
            try {
                switch (flag) {
                    case "--cpus" -> o.cpus = JobLimits.parseCpus(value);
                    case "--memory", "-m" -> o.memory = JobLimits.parseBytes(value);
                    case "--memory-swap" -> JobLimits.parseBytes(value); // swap is always off: memory is the limit
                    case "--pids-limit" -> o.pids = JobLimits.parsePids(value);
                    case "--user", "-u" -> o.user = value;
                    case "--env", "-e" -> {
                        int e = value.indexOf('=');
                        if (e <= 0) throw new IllegalArgumentException("'" + value + "' is not NAME=value");
                        o.env.put(value.substring(0, e), value.substring(e + 1));
                    }
                    case "--health-cmd" -> o.healthCmd = value;
                    case "--health-interval" -> o.interval = duration(value);
                    case "--health-timeout" -> o.timeout = duration(value);
                    case "--health-retries" -> o.retries = JobLimits.parsePids(value);
                    case "--health-start-period" -> o.startPeriod = duration(value);
                    case "--network", "--net" -> {
                        if (!value.equals("none"))
                            throw new IllegalArgumentException("only 'none' is accepted (a job may give up its network,"
                                    + " not join another one)");
                        o.noNetwork = true;
                    }
                    default -> throw new IllegalStateException(flag);
                }
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(what + ".options: " + flag + ": " + e.getMessage());
            }
        }
        return o;
    }

    /** Splits docker-run flags like a shell would: whitespace, with single and double quotes. */
    static List<String> words(String text, String what) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean inWord = false;
        char quote = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (quote != 0) {
                if (c == quote) quote = 0;
                else if (c == '\\' && quote == '"' && i + 1 < text.length()) cur.append(text.charAt(++i));
                else cur.append(c);
            } else if (c == '"' || c == '\'') {
                quote = c;
                inWord = true;
            } else if (Character.isWhitespace(c)) {
                if (inWord) out.add(cur.toString());
                cur.setLength(0);
                inWord = false;
            } else {
                cur.append(c);
                inWord = true;
            }
        }
        if (quote != 0) throw new IllegalArgumentException(what + ".options: unclosed " + quote + " quote");
        if (inWord) out.add(cur.toString());
        return out;
    }

    private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m|h)");

    /** Go's duration syntax as docker uses it: {@code 10s}, {@code 1m30s}, {@code 500ms}. */
    static Duration duration(String s) {
        Matcher m = DURATION.matcher(s.strip());
        long ms = 0;
        int end = 0;
        while (m.find() && m.start() == end) {
            double n = Double.parseDouble(m.group(1));
            ms += Math.round(n
                    * switch (m.group(2)) {
                        case "ms" -> 1;
                        case "s" -> 1000;
                        case "m" -> 60_000;
                        default -> 3_600_000;
                    });
            end = m.end();
        }
        if (end == 0 || end != s.strip().length())
            throw new IllegalArgumentException("'" + s + "' is not a duration (e.g. 10s, 1m30s, 500ms)");
        return Duration.ofMillis(ms);
    }
}
