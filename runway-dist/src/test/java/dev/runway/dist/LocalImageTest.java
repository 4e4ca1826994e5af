package dev.runway.dist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * deploy/image/build-local, run as CI runs it: it builds the image without a registry (jlink'd runtime, Debian
 * packages' files as the base) and imports it into Podman, and the image runs {@code runway --version} and
 * {@code runway server --help} as its non-root user with its own Java, warm from the CDS archives made at build time,
 * and the control plane starts in it with the image's default command.
 * Skipped unless {@code CI=true} (it takes about a minute); under {@code CI=true} a missing podman fails it. The image
 * gets a tag of its own, removed afterwards, so a {@code runway:local} of the user's is left alone.
 */
class LocalImageTest {
    record Run(int code, String out) {}

    static Run run(List<String> cmd, String... env) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        for (int i = 0; i + 1 < env.length; i += 2) pb.environment().put(env[i], env[i + 1]);
        Process p = pb.start();
        p.getOutputStream().close();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (InputStream in = p.getInputStream()) {
            in.transferTo(out);
        }
        assertThat(p.waitFor(10, TimeUnit.MINUTES)).as(String.join(" ", cmd)).isTrue();
        return new Run(p.exitValue(), out.toString(StandardCharsets.UTF_8));
    }

    static Path repo() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.isRegularFile(p.resolve("deploy/image/build-local"))) p = p.getParent();
        assertThat(p).as("deploy/image above the working directory").isNotNull();
        return p;
    }

    /**
     * The Dockerfile (not built here: no registry) makes what build-local makes: multi-stage, the runtime of the same
     * module list with its CDS archive, the same user, paths, entrypoint and default command.
     */
    @Test
    void theDockerfileMatchesBuildLocal() throws Exception {
        String docker = Files.readString(repo().resolve("deploy/image/Dockerfile"));
        String local = Files.readString(repo().resolve("deploy/image/build-local"));
        assertThat(docker.lines().filter(l -> l.startsWith("FROM "))).hasSize(2);
        assertThat(docker).contains("FROM ${JDK_IMAGE} AS build").contains("COPY --from=build /opt/java /opt/java");
        for (String text : List.of(docker, local)) {
            assertThat(text)
                    .contains("--add-modules \"$(cat ")
                    .contains("jlink-modules")
                    .contains("--generate-cds-archive")
                    .contains("/opt/runway/lib/runway.jar")
                    .contains("RUNWAY_CDS_DIR=/opt/runway/cds")
                    .contains("JAVA_HOME=/opt/java");
        }
        assertThat(docker)
                .contains("useradd --uid 1000")
                .contains("USER runway")
                .contains("ENTRYPOINT [\"runway\"]")
                .contains("CMD [\"server\", \"--host\", \"0.0.0.0\", \"--data-dir\", \"/var/lib/runway\"]");
        assertThat(local)
                .contains("runway:x:1000:1000:")
                .contains("USER=1000:1000")
                .contains("ENTRYPOINT=[\"runway\"]")
                .contains("CMD=[\"server\",\"--host\",\"0.0.0.0\",\"--data-dir\",\"/var/lib/runway\"]");
        assertThat(Files.readString(repo().resolve("deploy/image/jlink-modules"))
                        .trim())
                .matches("[a-z.]+(,[a-z.]+)*")
                .contains("java.sql", "jdk.httpserver", "java.net.http")
                .doesNotContain("jdk.compiler");
    }

    @Test
    void buildLocalMakesAnImageThatRunsRunwayAsNonRoot() throws Exception {
        boolean ci = "true".equals(System.getenv("CI"));
        assumeThat(ci).as("CI=true (the image build takes about a minute)").isTrue();
        boolean podman = Files.isExecutable(Path.of("/usr/bin/podman"));
        assertThat(podman).as("podman (.ci/run installs it)").isTrue();
        assumeThat("root".equals(System.getProperty("user.name")))
                .as("root (build-local chroots)")
                .isTrue();
        Path repo = repo();
        String image = "localhost/runway-dist-test:" + ProcessHandle.current().pid();
        String container = "runway-dist-test-" + ProcessHandle.current().pid();
        try {
            Run build = run(
                    List.of(repo.resolve("deploy/image/build-local").toString()),
                    "RUNWAY_IMAGE",
                    image,
                    "JAVA_HOME",
                    System.getProperty("java.home"));
            assertThat(build.code()).as(build.out()).isZero();
            assertThat(build.out()).contains("imported " + image);

            Run version = run(List.of("podman", "run", "--rm", "--network=none", image, "--version"));
            assertThat(version.code()).as(version.out()).isZero();
            assertThat(version.out())
                    .startsWith("runway 0.1.0")
                    .contains("Java " + Runtime.version().feature());
            Run help = run(List.of("podman", "run", "--rm", "--network=none", image, "server", "--help"));
            assertThat(help.code()).as(help.out()).isZero();
            assertThat(help.out()).contains("--data-dir");

            // the control plane starts in it with its default command (SQLite in /var/lib/runway, as uid 1000)
            Run started = run(List.of("podman", "run", "-d", "--network=none", "--name", container, image));
            assertThat(started.code()).as(started.out()).isZero();
            await().atMost(Duration.ofMinutes(2))
                    .pollInterval(Duration.ofMillis(500))
                    .untilAsserted(() -> assertThat(
                                    run(List.of("podman", "logs", container)).out())
                            .contains("runway server listening on"));
            assertThat(run(List.of("podman", "exec", container, "ls", "/var/lib/runway"))
                            .out())
                    .contains("runway.db")
                    .contains("admin-token");

            Run id = run(List.of("podman", "run", "--rm", "--network=none", "--entrypoint", "id", image));
            assertThat(id.out()).contains("uid=1000(runway)");
            // the launcher's archives were made at build time, for this jar and this Java
            Run cds = run(
                    List.of("podman", "run", "--rm", "--network=none", "--entrypoint", "ls", image, "/opt/runway/cds"));
            assertThat(cds.out()).contains("server.").contains("other.");
            // Java 25: AOT caches, made (not only recorded) and nothing half-written packed into the image
            assertThat(cds.out().lines().filter(f -> f.endsWith(".aot")))
                    .as(cds.out())
                    .anyMatch(f -> f.startsWith("server."))
                    .anyMatch(f -> f.startsWith("agent."))
                    .anyMatch(f -> f.startsWith("other."));
            assertThat(cds.out()).doesNotContain(".tmp").doesNotContain(".aotconf");
            // a runtime of the modules Runway uses, not a whole JDK
            Run modules = run(List.of(
                    "podman",
                    "run",
                    "--rm",
                    "--network=none",
                    "--entrypoint",
                    "/opt/java/bin/java",
                    image,
                    "--list-modules"));
            assertThat(modules.out()).contains("java.sql").doesNotContain("jdk.compiler");
            Run size = run(List.of("podman", "image", "inspect", "--format", "{{.Size}}", image));
            assertThat(Long.parseLong(size.out().trim())).as("image size").isLessThan(250_000_000L);
        } finally {
            run(List.of("podman", "rm", "-f", container));
            run(List.of("podman", "rmi", "-f", image));
        }
    }
}
