package dev.runway.agent;

import static dev.runway.agent.Needs.needs;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Real packages from the npm registry for tests of JavaScript actions, installed into the action's directory as an
 * action's repository holds them (npm's own cache makes repeated installs fast). Node.js and npm are needed: skipped
 * without them, failed under CI=true.
 */
public final class NpmPackages {
    /** The toolkit version the tests use: what actions built today depend on. */
    public static final String ACTIONS_CORE = "@actions/core@1.11.1";

    private NpmPackages() {}

    /** Whether {@code tool} is on PATH. */
    public static boolean onPath(String tool) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!d.isBlank() && Files.isExecutable(Path.of(d, tool))) return true;
        }
        return false;
    }

    /**
     * Installs {@code packages} (npm specs) into {@code dir/node_modules}, as an action's repository holds them;
     * fails the test with npm's output if npm cannot.
     */
    public static void install(Path dir, String... packages) throws IOException, InterruptedException {
        needs(onPath("node") && onPath("npm"), "Node.js and npm on PATH (apt-get install nodejs npm)");
        Files.createDirectories(dir);
        if (!Files.exists(dir.resolve("package.json")))
            Files.writeString(dir.resolve("package.json"), "{\"name\":\"test-action\",\"private\":true}\n");
        java.util.List<String> cmd = new java.util.ArrayList<>(
                java.util.List.of("npm", "install", "--no-audit", "--no-fund", "--no-progress", "--loglevel=error"));
        cmd.addAll(java.util.List.of(packages));
        Process p = new ProcessBuilder(cmd)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(5, TimeUnit.MINUTES)).as("npm install finished").isTrue();
        assertThat(p.exitValue())
                .as("npm install %s: %s", String.join(" ", packages), out)
                .isZero();
    }
}
