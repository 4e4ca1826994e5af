package dev.runway.agent.actions;

import dev.runway.agent.tools.ToolCache;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The Node.js that runs a JavaScript action ({@code runs.using: node20}...): the runner's configured one ({@code
 * --node}), else the tool cache's ({@code RUNNER_TOOL_CACHE}) of the action's major version, else the highest there,
 * else {@code node} on the job's PATH. GitHub's runner brings its own Node; a self-hosted runner uses what its
 * machine has, so the choice is logged with the version found.
 */
public final class NodeRuntime {
    /** A Node.js executable and its version ({@code v20.11.1}). */
    public record Found(Path executable, String version) {
        public int major() {
            try {
                return Integer.parseInt(version.replaceFirst("^v", "").split("\\.")[0]);
            } catch (NumberFormatException e) {
                return -1;
            }
        }
    }

    private static final Map<Path, String> VERSIONS = new ConcurrentHashMap<>();

    private NodeRuntime() {}

    /**
     * Finds the Node.js for an action that asks for {@code major}; {@link IllegalArgumentException} with what to do
     * when there is none.
     */
    public static Found find(Path configured, int major, Map<String, String> env) throws InterruptedException {
        if (configured != null) {
            if (!Files.isExecutable(configured))
                throw new IllegalArgumentException("the runner's Node.js for JavaScript actions (--node " + configured
                        + ") is not an executable file");
            return found(configured);
        }
        String cacheRoot = env.get("RUNNER_TOOL_CACHE");
        if (cacheRoot != null && !cacheRoot.isBlank()) {
            try {
                ToolCache cache = new ToolCache(Path.of(cacheRoot));
                var e = cache.find("node", major + ".x");
                if (e.isEmpty()) e = cache.find("node", "");
                if (e.isPresent()) {
                    Path exe = e.get().path().resolve("bin").resolve("node");
                    if (Files.isExecutable(exe)) return found(exe);
                }
            } catch (IOException ignored) {
                // an unreadable tool cache: PATH is next
            }
        }
        String path = env.getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin");
        for (String d : path.split(":")) {
            if (d.isBlank()) continue;
            Path exe = Path.of(d, "node");
            if (Files.isExecutable(exe)) return found(exe);
        }
        throw new IllegalArgumentException("this action runs with node" + major + " but the runner has no Node.js:"
                + " install Node.js " + major + " on the runner, add one to its tool cache with `runway tools add node "
                + major + " /path/to/node-dir`, or point the agent at one with --node /path/to/bin/node");
    }

    private static Found found(Path exe) throws InterruptedException {
        Path real;
        try {
            real = exe.toRealPath(); // the tool cache links: a sandboxed step cannot see the cache itself
        } catch (IOException e) {
            real = exe.toAbsolutePath();
        }
        String v = VERSIONS.get(real);
        if (v == null) {
            v = version(real);
            VERSIONS.put(real, v);
        }
        return new Found(real, v);
    }

    private static String version(Path exe) throws InterruptedException {
        try {
            Process p = new ProcessBuilder(exe.toString(), "--version")
                    .redirectErrorStream(true)
                    .start();
            p.getOutputStream().close();
            byte[] out = p.getInputStream().readNBytes(200);
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalArgumentException(exe + " --version did not answer within 30 s");
            }
            String v = new String(out, StandardCharsets.UTF_8).strip();
            if (p.exitValue() != 0 || !v.startsWith("v"))
                throw new IllegalArgumentException(exe + " does not look like Node.js (--version said '" + v + "')");
            return v;
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot run " + exe + ": " + e.getMessage());
        }
    }
}
