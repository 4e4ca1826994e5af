package dev.runway.agent.actions;

import dev.runway.agent.exec.Executor;
import dev.runway.agent.exec.JobEnv;
import dev.runway.agent.tools.ToolCache;
import dev.runway.agent.tools.Versions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * actions/setup-java, setup-node, setup-go and setup-python, natively: they pick a version from the runner's tool
 * cache ({@code RUNNER_TOOL_CACHE}) by the action's usual inputs, put it first on PATH, set the variables the real
 * actions set (JAVA_HOME, GOROOT, pythonLocation...) for the later steps and return the same outputs. Nothing is
 * downloaded: a version the cache does not hold fails the step with the versions it does hold.
 */
final class SetupActions {
    /** What each action is: its tool, version input, and the inputs it accepts without applying them. */
    private record Kind(
            String action, String tool, String versionInput, String versionFileInput, Set<String> ignored) {}

    private static final Map<String, Kind> KINDS = Map.of(
            "actions/setup-java",
            new Kind(
                    "actions/setup-java",
                    "java",
                    "java-version",
                    "java-version-file",
                    Set.of(
                            "distribution",
                            "java-package",
                            "architecture",
                            "check-latest",
                            "cache",
                            "cache-dependency-path",
                            "server-id",
                            "server-username",
                            "server-password",
                            "settings-path",
                            "overwrite-settings",
                            "gpg-private-key",
                            "gpg-passphrase",
                            "job-status",
                            "token",
                            "mvn-toolchain-id",
                            "mvn-toolchain-vendor",
                            "jdkFile")),
            "actions/setup-node",
            new Kind(
                    "actions/setup-node",
                    "node",
                    "node-version",
                    "node-version-file",
                    Set.of(
                            "architecture",
                            "check-latest",
                            "registry-url",
                            "scope",
                            "token",
                            "cache",
                            "cache-dependency-path",
                            "always-auth")),
            "actions/setup-go",
            new Kind(
                    "actions/setup-go",
                    "go",
                    "go-version",
                    "go-version-file",
                    Set.of("check-latest", "token", "cache", "cache-dependency-path", "architecture")),
            "actions/setup-python",
            new Kind(
                    "actions/setup-python",
                    "python",
                    "python-version",
                    "python-version-file",
                    Set.of(
                            "architecture",
                            "check-latest",
                            "token",
                            "cache",
                            "cache-dependency-path",
                            "update-environment",
                            "allow-prereleases",
                            "freethreaded")));

    private SetupActions() {}

    static boolean handles(String action) {
        return KINDS.containsKey(action);
    }

    /** The native step for {@code action}, with the step's {@code with:} and the job's environment. */
    static BuiltinActions.NativeStep step(String action, Map<String, String> with, Map<String, String> env) {
        Kind kind = KINDS.get(action);
        return BuiltinActions.NativeStep.withEnv((ws, out, jobEnv) -> run(kind, with, env, ws, out, jobEnv));
    }

    private static Map<String, String> run(
            Kind kind,
            Map<String, String> with,
            Map<String, String> env,
            Path workspace,
            Executor.Output out,
            JobEnv jobEnv)
            throws IOException {
        String root = env.get("RUNNER_TOOL_CACHE");
        if (root == null || root.isBlank())
            throw new IOException(kind.action() + ": this runner has no tool cache (RUNNER_TOOL_CACHE is not set;"
                    + " the shell and sandbox executors set it from the agent's --tool-cache)");
        ToolCache cache = new ToolCache(Path.of(root));
        for (String k : with.keySet()) {
            if (kind.ignored().contains(k)
                    && !k.equals("distribution")
                    && !with.get(k).isBlank()) {
                out.line(kind.action() + ": input '" + k + "' accepted but not applied on Runway (tools come from"
                        + " the runner's tool cache)");
            } else if (!kind.ignored().contains(k)
                    && !k.equals(kind.versionInput())
                    && !k.equals(kind.versionFileInput())) {
                out.line("Warning: unexpected input '" + k + "' for " + kind.action());
            }
        }
        String spec = with.getOrDefault(kind.versionInput(), "").strip();
        if (spec.isEmpty() && with.get(kind.versionFileInput()) != null) {
            spec = versionFromFile(kind, workspace, with.get(kind.versionFileInput()));
        }
        if (spec.isEmpty() && kind.tool().equals("java"))
            throw new IOException(kind.action() + ": input 'java-version' or 'java-version-file' is required");
        // the real actions take one version per line (setup-python, setup-node); the last one is the default
        List<String> specs =
                spec.lines().map(String::strip).filter(s -> !s.isEmpty()).toList();
        if (specs.size() > 1) {
            out.line(
                    kind.action() + ": several versions given; Runway sets up the last one, '" + specs.getLast() + "'");
        }
        spec = specs.isEmpty() ? "" : specs.getLast();
        if (kind.tool().equals("node")) spec = nodeAlias(spec, cache, out);
        if (kind.tool().equals("go") && spec.equals("stable")) spec = "";
        if (!spec.isEmpty() && !Versions.valid(spec))
            throw new IOException(kind.action() + ": '" + spec + "' is not a version spec Runway understands"
                    + " (e.g. 21, 21.0.3, 20.x, >=3.10, ^20, ~3.11)");
        ToolCache.Entry e = cache.find(kind.tool(), spec).orElse(null);
        if (e == null) {
            List<String> available = cache.list(kind.tool()).stream()
                    .map(ToolCache.Entry::version)
                    .toList();
            throw new IOException("no " + kind.tool() + " matching '" + spec + "' in the tool cache"
                    + " (RUNNER_TOOL_CACHE=" + cache.root() + "); available: "
                    + (available.isEmpty() ? "none" : String.join(", ", available.reversed()))
                    + "; add one with `runway tools add " + kind.tool() + " "
                    + (spec.isEmpty() ? "VERSION" : spec) + " /path`");
        }
        String home = e.path().toString();
        Map<String, String> outputs = new LinkedHashMap<>();
        switch (kind.tool()) {
            case "java" -> {
                String distribution = with.getOrDefault("distribution", "");
                out.line("Java " + e.version() + " from the tool cache: " + home
                        + (distribution.isBlank()
                                ? ""
                                : " (distribution '" + distribution + "' requested; the"
                                        + " runner's JDK is used as it is)"));
                int major = Versions.parse(e.version())[0];
                String arch = e.arch().toUpperCase(Locale.ROOT);
                jobEnv.setEnv("JAVA_HOME", home);
                jobEnv.setEnv("JAVA_HOME_" + major + "_" + arch, home);
                jobEnv.addPath(home + "/bin");
                outputs.put("distribution", distribution);
                outputs.put("version", e.version());
                outputs.put("path", home);
                outputs.put("cache-hit", "false");
            }
            case "node" -> {
                out.line("Node.js " + e.version() + " from the tool cache: " + home);
                jobEnv.addPath(home + "/bin");
                outputs.put("node-version", "v" + e.version());
                outputs.put("cache-hit", "false");
            }
            case "go" -> {
                out.line("Go " + e.version() + " from the tool cache: " + home);
                jobEnv.setEnv("GOROOT", home);
                jobEnv.addPath(home + "/bin");
                outputs.put("go-version", e.version());
                outputs.put("cache-hit", "false");
            }
            case "python" -> {
                out.line("Python " + e.version() + " from the tool cache: " + home);
                boolean update = !"false".equalsIgnoreCase(with.getOrDefault("update-environment", "true"));
                if (update) {
                    jobEnv.setEnv("pythonLocation", home);
                    jobEnv.setEnv("Python_ROOT_DIR", home);
                    jobEnv.setEnv("Python3_ROOT_DIR", home);
                    jobEnv.setEnv("PKG_CONFIG_PATH", home + "/lib/pkgconfig");
                    jobEnv.addPath(home + "/bin");
                }
                Path python = Path.of(home, "bin", "python");
                if (!Files.isExecutable(python)) python = Path.of(home, "bin", "python3");
                outputs.put("python-version", e.version());
                outputs.put("python-path", python.toString());
                outputs.put("cache-hit", "false");
            }
            default -> throw new IllegalStateException(kind.tool());
        }
        return outputs;
    }

    /** The version in {@code .java-version}, {@code .nvmrc}, {@code go.mod}, {@code .python-version}... */
    /** Node's release lines by their LTS code names (setup-node's {@code lts/iron}). */
    static final Map<String, String> LTS = Map.ofEntries(
            Map.entry("argon", "4"),
            Map.entry("boron", "6"),
            Map.entry("carbon", "8"),
            Map.entry("dubnium", "10"),
            Map.entry("erbium", "12"),
            Map.entry("fermium", "14"),
            Map.entry("gallium", "16"),
            Map.entry("hydrogen", "18"),
            Map.entry("iron", "20"),
            Map.entry("jod", "22"),
            Map.entry("krypton", "24"));

    /**
     * setup-node's aliases, resolved without the internet: {@code node}, {@code latest}, {@code current} are the
     * newest version in the tool cache; {@code lts/<name>} its release line; {@code lts/*} the newest even (long-term
     * support) major in the cache, as an offline runner cannot ask nodejs.org which lines are LTS today.
     */
    static String nodeAlias(String spec, ToolCache cache, Executor.Output out) throws IOException {
        String s = spec.strip().toLowerCase(java.util.Locale.ROOT);
        if (s.equals("node") || s.equals("latest") || s.equals("current")) return "";
        if (!s.startsWith("lts/")) return spec;
        String line = s.substring("lts/".length());
        if (LTS.containsKey(line)) return LTS.get(line) + ".x";
        if (!line.equals("*") && !line.matches("-\\d+"))
            throw new IOException("actions/setup-node: unknown LTS line '" + spec + "' (known: lts/*, "
                    + String.join(
                            ", ",
                            LTS.keySet().stream().sorted().map(n -> "lts/" + n).toList()) + ")");
        List<Integer> majors = cache.list("node").stream()
                .map(e -> Versions.major(e.version()))
                .filter(m -> m > 0 && m % 2 == 0)
                .distinct()
                .sorted(java.util.Comparator.reverseOrder())
                .toList();
        int back = line.equals("*") ? 0 : Integer.parseInt(line.substring(1));
        if (majors.size() <= back)
            throw new IOException("actions/setup-node: no long-term support line of Node.js in the tool cache for '"
                    + spec + "' (even majors there: " + majors + ")");
        out.line("actions/setup-node: " + spec + " is Node.js " + majors.get(back) + " here (the newest even major in"
                + " the tool cache" + (back == 0 ? "" : ", " + back + " back") + ")");
        return majors.get(back) + ".x";
    }

    private static String versionFromFile(Kind kind, Path workspace, String file) throws IOException {
        Path f = workspace.resolve(file).normalize();
        if (!f.startsWith(workspace))
            throw new IOException(
                    kind.action() + ": " + kind.versionFileInput() + " '" + file + "' is outside the" + " workspace");
        if (!Files.isRegularFile(f))
            throw new IOException(kind.action() + ": " + kind.versionFileInput() + " '" + file + "' does not exist");
        String content = Files.readString(f, StandardCharsets.UTF_8);
        if (f.getFileName().toString().equals("go.mod")) {
            var m = java.util.regex.Pattern.compile("(?m)^(?:toolchain go|go )(\\d[\\w.]*)")
                    .matcher(content);
            String v = "";
            while (m.find()) v = m.group(1); // toolchain after go wins
            return v;
        }
        for (String line : content.lines().toList()) {
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#")) continue;
            if (l.startsWith("java=") || l.startsWith("nodejs ") || l.startsWith("python "))
                l = l.substring(l.indexOf(l.contains("=") ? '=' : ' ') + 1).strip();
            l = l.replaceFirst("^v", "");
            return l;
        }
        return "";
    }
}
