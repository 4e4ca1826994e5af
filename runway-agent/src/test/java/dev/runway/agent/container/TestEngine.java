package dev.runway.agent.container;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * The container engine the tests use (Docker's or Podman's API at {@code DOCKER_HOST} or the usual sockets) and
 * the one image they run: busybox, built from the host's static busybox binary and imported through the engine's
 * API, because no registry is reachable. Without an engine the tests skip with that reason; under {@code CI=true}
 * they fail instead (.ci/run installs and starts Podman).
 */
public final class TestEngine {
    public static final String IMAGE = "localhost/runway-test:busybox";
    /** busybox serving "ok" over HTTP on port 8080. */
    public static final String WEB_IMAGE = "localhost/runway-test:web";

    private static final Path BUSYBOX = Path.of("/bin/busybox");

    /** A reachable engine that has {@link #IMAGE}; skips (or fails under CI=true) otherwise. */
    public static ContainerEngine require() throws Exception {
        ContainerEngine engine = ContainerEngine.connect(null);
        String problem = null;
        try {
            engine.ping();
        } catch (ContainerEngine.EngineException e) {
            problem = e.getMessage();
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
        if (!engine.hasImage(IMAGE)) {
            engine.importImage("localhost/runway-test", "rootfs", rootfs());
            commit(engine, "busybox", "sh");
            commit(
                    engine,
                    "web",
                    "sh",
                    "-c",
                    "mkdir -p /www && echo ok > /www/index.html && exec httpd -f -p 8080 -h /www");
        }
        return engine;
    }

    /** An image from the imported root filesystem with {@code cmd} as its command and PATH set. */
    private static void commit(ContainerEngine engine, String tag, String... cmd) {
        var c = engine.client();
        // the container's own command becomes the image's: Podman's commit ignores a command given with it
        String id = c.createContainerCmd("localhost/runway-test:rootfs")
                .withCmd(cmd)
                .withEnv("PATH=/bin")
                .exec()
                .getId();
        try {
            c.commitCmd(id).withRepository("localhost/runway-test").withTag(tag).exec();
        } finally {
            c.removeContainerCmd(id).withForce(true).exec();
        }
    }

    /** A tarball of a root filesystem with busybox and a link per applet. */
    static ByteArrayInputStream rootfs() throws IOException, InterruptedException {
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
            for (String[] f : List.of(
                    new String[] {
                        "etc/passwd", "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n"
                    },
                    new String[] {"etc/group", "root:x:0:\nnogroup:x:65534:\n"})) {
                byte[] b = f[1].getBytes();
                TarArchiveEntry t = new TarArchiveEntry(f[0]);
                t.setMode(0644);
                t.setSize(b.length);
                tar.putArchiveEntry(t);
                tar.write(b);
                tar.closeArchiveEntry();
            }
        }
        return new ByteArrayInputStream(buf.toByteArray());
    }

    private TestEngine() {}
}
