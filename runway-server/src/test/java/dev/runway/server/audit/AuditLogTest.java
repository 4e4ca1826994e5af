package dev.runway.server.audit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runway.server.TestDatabases;
import dev.runway.server.store.Database;
import dev.runway.server.store.Sql;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The hash chain on a real SQLite database: what editing, deleting or inserting a record does to verify(). */
class AuditLogTest {
    @TempDir
    Path dir;

    Database db;
    final AtomicLong now = new AtomicLong(1_000_000);
    AuditLog audit;

    @BeforeEach
    void open() {
        db = Database.open(TestDatabases.sqlite(dir));
        audit = new AuditLog(db, () -> Instant.ofEpochMilli(now.get()));
        for (int i = 1; i <= 5; i++) {
            now.addAndGet(1000);
            audit.record("at" + i, i % 2 == 0 ? "secret.set" : "token.created", "subject-" + i, "detail " + i);
        }
    }

    @AfterEach
    void close() {
        db.close();
    }

    @Test
    void anUntouchedChainVerifiesAndListsByTimeAndKind() {
        AuditLog.Verification v = audit.verify();
        assertThat(v.ok()).isTrue();
        assertThat(v.records()).isEqualTo(5);
        assertThat(v.head())
                .hasSize(64)
                .isEqualTo(audit.list(0, null, 10).getLast().hash());
        assertThat(audit.list(0, "secret.", 10))
                .extracting(AuditLog.Entry::subject)
                .containsExactly("subject-2", "subject-4");
        assertThat(audit.list(1_003_500, null, 10))
                .extracting(AuditLog.Entry::seq)
                .containsExactly(4L, 5L);
    }

    @Test
    void editingARecordIsDetected() {
        db.tx(c -> Sql.update(c, "UPDATE audit SET detail = 'nothing to see' WHERE seq = 3"));
        AuditLog.Verification v = audit.verify();
        assertThat(v.ok()).isFalse();
        assertThat(v.brokenAt()).isEqualTo(3);
        assertThat(v.problem()).isEqualTo("record 3 was altered after it was written");
    }

    @Test
    void rewritingARecordAndItsHashIsDetectedByTheNextOne() {
        String forged = AuditLog.hash(
                audit.list(0, null, 10).get(1).hash(), 3, 1_003_000, "at3", "token.created", "subject-3", "forged");
        db.tx(c -> Sql.update(c, "UPDATE audit SET detail = 'forged', hash = ? WHERE seq = 3", forged));
        AuditLog.Verification v = audit.verify();
        assertThat(v.ok()).isFalse();
        assertThat(v.brokenAt()).isEqualTo(4);
        assertThat(v.problem()).contains("record 4 does not follow record 3");
    }

    @Test
    void deletingARecordIsDetected() {
        db.tx(c -> Sql.update(c, "DELETE FROM audit WHERE seq = 2"));
        AuditLog.Verification v = audit.verify();
        assertThat(v.ok()).isFalse();
        assertThat(v.problem()).isEqualTo("record 2 is missing");
    }

    @Test
    void concurrentAppendsKeepOneUnbrokenChain() throws Exception {
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            int id = t;
            threads.add(Thread.ofPlatform().start(() -> {
                for (int i = 0; i < 25; i++) audit.record("writer" + id, "auth.denied", "s" + i, null);
            }));
        }
        for (Thread t : threads) t.join();
        AuditLog.Verification v = audit.verify();
        assertThat(v.ok()).as(v.problem()).isTrue();
        assertThat(v.records()).isEqualTo(105);
    }

    @Test
    void concurrentAppendsOnPostgresqlKeepOneUnbrokenChain() throws Exception {
        String[] name = new String[1];
        try {
            Database pg = Database.open(TestDatabases.postgres(dir.resolve("pg"), name));
            try {
                AuditLog shared = new AuditLog(pg, () -> Instant.ofEpochMilli(now.get()));
                List<Thread> threads = new ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    int id = t;
                    threads.add(Thread.ofPlatform().start(() -> {
                        for (int i = 0; i < 25; i++) shared.record("writer" + id, "auth.denied", "s" + i, null);
                    }));
                }
                for (Thread t : threads) t.join();
                AuditLog.Verification v = shared.verify();
                assertThat(v.ok()).as(v.problem()).isTrue();
                assertThat(v.records()).isEqualTo(100);
            } finally {
                pg.close();
            }
        } finally {
            TestDatabases.dropPostgres(name[0]);
        }
    }
}
