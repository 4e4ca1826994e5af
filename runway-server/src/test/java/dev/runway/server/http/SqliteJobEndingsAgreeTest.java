package dev.runway.server.http;

import dev.runway.server.ServerConfig;
import dev.runway.server.TestDatabases;
import java.nio.file.Path;

class SqliteJobEndingsAgreeTest extends JobEndingsAgreeTest {
    @Override
    ServerConfig config(Path dir) {
        return TestDatabases.sqlite(dir);
    }
}
