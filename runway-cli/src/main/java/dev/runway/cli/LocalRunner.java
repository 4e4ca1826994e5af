package dev.runway.cli;

import dev.runway.agent.AgentConfig;
import dev.runway.protocol.ApiPaths;
import dev.runway.protocol.RegistrationTokenRequest;
import dev.runway.protocol.RegistrationTokenView;
import dev.runway.server.RunwayServer;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** The runner that `runway up` and `runway run` start next to their embedded control plane. */
final class LocalRunner {
    /**
     * Its configuration: registered once with a fresh registration token, then known by its credential in
     * {@code dataDir}.
     */
    static AgentConfig config(
            RunwayServer server,
            ApiClient api,
            Path dataDir,
            String name,
            List<String> labels,
            int slots,
            Duration shutdownGrace,
            Map<String, String> secrets) {
        Path credential = dataDir.resolve("runner-credential.json");
        String registration = Files.exists(credential)
                ? null
                : api.post(
                                ApiPaths.REGISTRATION_TOKENS,
                                new RegistrationTokenRequest("10m", 1),
                                RegistrationTokenView.class)
                        .token();
        return new AgentConfig(
                URI.create(server.url()),
                registration,
                name,
                labels,
                dataDir.resolve("work"),
                credential,
                slots,
                false,
                shutdownGrace,
                Duration.ofSeconds(30),
                secrets,
                "shell",
                true,
                dev.runway.agent.isolation.JobLimits.NONE,
                null,
                null,
                AgentConfig.DEFAULT_MIN_FREE_DISK);
    }

    /**
     * Takes {@code dataDir} for this process alone, until the returned lock is closed (or the process ends). Two
     * processes on one data dir would share a database and a work dir, and the runner that starts second cleans up
     * "after a crash": it kills the other's running steps and deletes their workspaces. So the second one stops here
     * with a message instead.
     */
    static java.io.Closeable lockDataDir(Path dataDir, String command) {
        Path file = dataDir.toAbsolutePath().normalize().resolve("lock");
        java.nio.channels.FileChannel channel = null;
        try {
            Files.createDirectories(file.getParent());
            channel = java.nio.channels.FileChannel.open(
                    file, java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE);
            java.nio.channels.FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (java.nio.channels.OverlappingFileLockException e) {
                lock = null; // held by this very process
            }
            if (lock == null) {
                String holder = "";
                try {
                    holder = Files.readString(file.resolveSibling("lock.pid")).strip();
                } catch (java.io.IOException ignored) {
                    // written just after the lock is taken: may not be there yet
                }
                channel.close();
                throw new CliException("another runway process" + (holder.isEmpty() ? "" : " (pid " + holder + ")")
                        + " is using the data dir " + file.getParent() + "; wait for it to finish, or give this "
                        + command + " its own --data-dir");
            }
            Files.writeString(
                    file.resolveSibling("lock.pid"),
                    Long.toString(ProcessHandle.current().pid()));
            java.nio.channels.FileChannel held = channel;
            return () -> {
                Files.deleteIfExists(file.resolveSibling("lock.pid"));
                held.close(); // releases the lock
            };
        } catch (java.io.IOException e) {
            try {
                if (channel != null) channel.close();
            } catch (java.io.IOException ignored) {
                // nothing more to release
            }
            throw new CliException("cannot lock the data dir " + file.getParent() + ": " + e.getMessage());
        }
    }

    private LocalRunner() {}
}
