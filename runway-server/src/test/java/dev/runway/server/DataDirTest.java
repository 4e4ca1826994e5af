package dev.runway.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The control plane creates its data directory at start even when nothing it needs at start lives there (PostgreSQL,
 * a given admin token, the master key elsewhere): `runway server` writes server.url into it right after "listening".
 */
class DataDirTest {
    @TempDir
    Path dir;

    @Test
    void theDataDirectoryExistsOnceTheServerListensWithPostgresAndTheKeyElsewhere() throws Exception {
        String[] name = new String[1];
        ServerConfig pg = TestDatabases.postgres(dir.resolve("unused"), name);
        Path dataDir = dir.resolve("not/yet/data");
        ServerConfig config = pg.toBuilder()
                .dataDir(dataDir)
                .adminToken("rwa_admin-token-for-the-data-dir-test")
                .masterKeyFile(dir.resolve("keys/master.key"))
                .build();
        try (RunwayServer server = RunwayServer.start(config)) {
            assertThat(dataDir).isDirectory();
            Files.writeString(dataDir.resolve("server.url"), server.url() + "\n"); // what `runway server` does
        } finally {
            TestDatabases.dropPostgres(name[0]);
        }
    }
}
