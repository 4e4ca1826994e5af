package dev.runway.scaler.provider.container;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import com.github.dockerjava.transport.DockerHttpClient;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * The container engine the tests use (Docker's or Podman's API at {@code DOCKER_HOST} or the usual sockets) and the
 * one image they run: busybox, built from the host's static busybox binary and imported through the engine's API,
 * because no registry is reachable (the minimal part of runway-agent's TestEngine). Without an engine the tests skip
 * with that reason; under {@code CI=true} they fail instead (.ci/run installs and starts Podman).
 */
final class TestEngine implements AutoCloseable {
    /** Its own repository, so this module's tests never race runway-agent's over the agent's test image. */
    static final String REPOSITORY = "localhost/runway-scaler-test";

    static final String IMAGE = REPOSITORY + ":busybox";

    private static final Path BUSYBOX = Path.of("/bin/busybox");

    final String host;
    final DockerClient client;
    private final ApacheDockerHttpClient http;

    private TestEngine(String host) {
        this.host = host;
        DefaultDockerClientConfig cfg = DefaultDockerClientConfig.createDefaultConfigBuilder()
                .withDockerHost(host)
                .build();
        this.http = new ApacheDockerHttpClient.Builder()
                .dockerHost(cfg.getDockerHost())
                .connectionTimeout(Duration.ofSeconds(5))
                .build();
        this.client = DockerClientImpl.getInstance(cfg, http);
    }

    /** A reachable engine that has {@link #IMAGE}; skips (or fails under CI=true) otherwise. */
    static TestEngine require() throws Exception {
        TestEngine engine = new TestEngine(host());
        String problem = null;
        try {
            engine.client.pingCmd().exec();
        } catch (RuntimeException e) {
            problem = "cannot reach the container engine at " + engine.host + ": " + ContainerProvider.message(e);
        }
        if (problem == null && !Files.isExecutable(BUSYBOX))
            problem = "no static busybox at " + BUSYBOX
                    + " to build the test image from (apt-get install busybox-static)";
        if (problem != null) {
            engine.close();
            if ("true".equals(System.getenv("CI")))
                throw new AssertionError(problem + "; under CI=true the container tests must run");
            assumeTrue(false, "container tests skipped: " + problem);
        }
        if (!engine.hasImage(IMAGE)) engine.build();
        return engine;
    }

    private static String host() {
        String fromEnv = System.getenv("DOCKER_HOST");
        if (fromEnv != null && !fromEnv.isBlank()) return fromEnv;
        for (String socket : List.of("/var/run/docker.sock", "/run/podman/podman.sock")) {
            if (Files.exists(Path.of(socket))) return "unix://" + socket;
        }
        return "unix:///var/run/docker.sock";
    }

    boolean hasImage(String image) {
        try {
            client.inspectImageCmd(image).exec();
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    private void build() throws Exception {
        importRootfs(REPOSITORY + ":rootfs");
        // the container's own command and PATH become the image's: Podman's commit ignores a command given with it
        String id = client.createContainerCmd(REPOSITORY + ":rootfs")
                .withCmd("sh")
                .withEnv("PATH=/bin")
                .exec()
                .getId();
        try {
            client.commitCmd(id).withRepository(REPOSITORY).withTag("busybox").exec();
        } finally {
            client.removeContainerCmd(id).withForce(true).exec();
        }
    }

    /**
     * Imports the root filesystem as {@code image}. Sent as a plain request through the client's transport:
     * docker-java's import command sends a body Podman refuses, and the tag goes into {@code repo} because Podman
     * ignores the {@code tag} parameter there.
     */
    private void importRootfs(String image) throws IOException, InterruptedException {
        var request = DockerHttpClient.Request.builder()
                .method(DockerHttpClient.Request.Method.POST)
                .path("/images/create?fromSrc=-&repo=" + URLEncoder.encode(image, StandardCharsets.UTF_8))
                .putHeader("Content-Type", "application/x-tar")
                .body(rootfs())
                .build();
        try (var response = http.execute(request)) {
            String body = new String(response.getBody().readAllBytes(), StandardCharsets.UTF_8);
            if (response.getStatusCode() / 100 != 2 || body.contains("\"error"))
                throw new IOException("cannot import " + image + ": HTTP " + response.getStatusCode() + " " + body);
        }
    }

    /** A tarball of a root filesystem with busybox and a link per applet. */
    private static ByteArrayInputStream rootfs() throws IOException, InterruptedException {
        Process p = new ProcessBuilder(BUSYBOX.toString(), "--list").start();
        List<String> applets =
                new String(p.getInputStream().readAllBytes()).lines().toList();
        p.waitFor();
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(buf)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            for (String dir : List.of("bin/", "tmp/", "etc/", "root/", "proc/", "sys/", "dev/")) {
                TarArchiveEntry d = new TarArchiveEntry(dir);
                d.setMode(dir.equals("tmp/") ? 01777 : 0755);
                tar.putArchiveEntry(d);
                tar.closeArchiveEntry();
            }
            byte[] bin = Files.readAllBytes(BUSYBOX);
            TarArchiveEntry e = new TarArchiveEntry("bin/busybox");
            e.setMode(0755);
            e.setSize(bin.length);
            tar.putArchiveEntry(e);
            tar.write(bin);
            tar.closeArchiveEntry();
            for (String a : applets) {
                if (a.equals("busybox") || a.isBlank()) continue;
                TarArchiveEntry l = new TarArchiveEntry("bin/" + a, TarArchiveEntry.LF_SYMLINK);
                l.setLinkName("busybox");
                tar.putArchiveEntry(l);
                tar.closeArchiveEntry();
            }
            byte[] passwd = "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n"
                    .getBytes(StandardCharsets.UTF_8);
            TarArchiveEntry t = new TarArchiveEntry("etc/passwd");
            t.setMode(0644);
            t.setSize(passwd.length);
            tar.putArchiveEntry(t);
            tar.write(passwd);
            tar.closeArchiveEntry();
        }
        return new ByteArrayInputStream(buf.toByteArray());
    }

    @Override
    public void close() {
        try {
            client.close();
        } catch (IOException e) {
            // closing the connection pool
        }
    }
}
