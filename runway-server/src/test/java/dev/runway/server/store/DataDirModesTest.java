package dev.runway.server.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runway.server.RunwayServer;
import dev.runway.server.ServerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** After a real start, the data directory is 0700 and the database and every secret in it 0600. */
class DataDirModesTest {
    @TempDir
    Path tmp;

    static String mode(Path p) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    @Test
    void aFreshDataDirIsTheServersUsersAlone() throws Exception {
        Path data = tmp.resolve("data");
        try (RunwayServer ignored =
                RunwayServer.start(ServerConfig.defaults(data).withPort(0))) {
            assertThat(mode(data)).isEqualTo("rwx------");
            for (String f : new String[] {"runway.db", "runway.db-wal", "runway.db-shm", "master.key", "admin-token"}) {
                assertThat(data.resolve(f)).exists();
                assertThat(mode(data.resolve(f))).as(f).isEqualTo("rw-------");
            }
        }
    }

    @Test
    void filesAnOlderVersionLeftReadableAreTightened() throws Exception {
        Path data = tmp.resolve("old");
        try (RunwayServer ignored =
                RunwayServer.start(ServerConfig.defaults(data).withPort(0))) {
            // started once
        }
        Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwxr-xr-x"));
        for (String f : new String[] {"runway.db", "master.key", "admin-token"})
            Files.setPosixFilePermissions(data.resolve(f), PosixFilePermissions.fromString("rw-r--r--"));
        try (RunwayServer ignored =
                RunwayServer.start(ServerConfig.defaults(data).withPort(0))) {
            assertThat(mode(data)).isEqualTo("rwx------");
            for (String f : new String[] {"runway.db", "runway.db-wal", "master.key", "admin-token"})
                assertThat(mode(data.resolve(f))).as(f).isEqualTo("rw-------");
        }
    }
}
