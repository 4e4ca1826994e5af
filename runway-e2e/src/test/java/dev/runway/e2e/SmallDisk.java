package dev.runway.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A real, small file system (a tmpfs) mounted on a directory for one test, to fill up. Needs root to mount: skipped
 * without it, failed under CI=true (CI runs as root).
 */
final class SmallDisk implements AutoCloseable {
    final Path dir;

    private SmallDisk(Path dir) {
        this.dir = dir;
    }

    static SmallDisk mount(Path dir, String size) throws Exception {
        Files.createDirectories(dir);
        Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", dir.toString())
                .redirectErrorStream(true)
                .start();
        boolean ok = mount.waitFor() == 0;
        if (!ok && "true".equals(System.getenv("CI")))
            throw new AssertionError("cannot mount a tmpfs (CI runs as root and must): "
                    + new String(mount.getInputStream().readAllBytes()));
        assumeTrue(ok, "cannot mount a tmpfs here (not root): skipped");
        return new SmallDisk(dir);
    }

    /** Writes {@code file} (on this disk) until the disk is full. */
    static void fill(Path file) {
        byte[] chunk = new byte[64 * 1024];
        try (OutputStream out = Files.newOutputStream(file)) {
            while (true) out.write(chunk);
        } catch (IOException e) {
            assertThat(e.getMessage()).contains("No space left on device");
        }
    }

    @Override
    public void close() throws Exception {
        new ProcessBuilder("umount", "-l", dir.toString()).start().waitFor();
    }
}
