package dev.runway.server.audit;

import dev.runway.server.store.Database;
import dev.runway.server.store.Sql;
import dev.runway.server.store.StoreException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Security-relevant events (tokens created, used, revoked; runners registered and removed; secrets set, deleted and
 * delivered; roles denied; unknown credentials), append-only and hash-chained: each record's hash is SHA-256 over
 * the previous record's hash and its own fields, so editing or deleting a record, or inserting one, is detected by
 * {@link #verify()}. Removing the newest records leaves a valid shorter chain: compare {@link Verification#head()}
 * with a head recorded elsewhere to catch that. Appends from several replicas are serialised (an advisory lock on
 * PostgreSQL, the single writer on SQLite, and a retry on a lost race for the next number).
 */
public final class AuditLog {
    private static final Logger log = LoggerFactory.getLogger(AuditLog.class);
    static final String GENESIS = "0".repeat(64);

    public record Entry(long seq, long at, String actor, String kind, String subject, String detail, String hash) {}

    /** {@code ok}, how many records, the newest hash, and where and why the chain breaks. */
    public record Verification(boolean ok, long records, String head, Long brokenAt, String problem) {}

    private final Database db;
    private final InstantSource clock;

    public AuditLog(Database db, InstantSource clock) {
        this.db = db;
        this.clock = clock;
    }

    /** Appends one event. Never throws: an audit failure is logged, the request it describes goes on. */
    public void record(String actor, String kind, String subject, String detail) {
        for (int attempt = 0; attempt < 10; attempt++) {
            try {
                db.tx(c -> {
                    if (db.dialect() == Database.Dialect.POSTGRESQL) {
                        Sql.one(c, "SELECT pg_advisory_xact_lock(7201)", rs -> null);
                    }
                    long[] seq = {0};
                    String prev = Sql.one(c, "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1", rs -> {
                        seq[0] = rs.getLong(1);
                        return rs.getString(2);
                    });
                    long next = seq[0] + 1;
                    long at = clock.millis();
                    String p = prev == null ? GENESIS : prev;
                    Sql.update(
                            c,
                            "INSERT INTO audit (seq, at, actor, kind, subject, detail, prev_hash, hash)"
                                    + " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                            next,
                            at,
                            actor,
                            kind,
                            subject,
                            detail,
                            p,
                            hash(p, next, at, actor, kind, subject, detail));
                    return null;
                });
                return;
            } catch (StoreException e) {
                if (attempt == 9)
                    log.error("cannot write the audit record {} {} {}: {}", kind, actor, subject, e.toString());
            }
        }
    }

    /** Records from {@code since} (epoch millis, 0 for all) of {@code kind} (a prefix; null for all), oldest first. */
    public List<Entry> list(long since, String kind, int limit) {
        return db.read(c -> Sql.query(
                        c,
                        "SELECT * FROM audit WHERE at >= ? AND kind LIKE ? ORDER BY seq DESC LIMIT ?",
                        AuditLog::entry,
                        since,
                        (kind == null ? "" : kind.replace("%", "")) + "%",
                        limit))
                .reversed();
    }

    /** Walks the whole chain. */
    public Verification verify() {
        return db.read(c -> verify(c));
    }

    private static Verification verify(Connection c) throws SQLException {
        String prev = GENESIS;
        long expected = 1;
        long n = 0;
        try (var ps = c.prepareStatement("SELECT * FROM audit ORDER BY seq");
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                long seq = rs.getLong("seq");
                if (seq != expected)
                    return new Verification(false, n, prev, expected, "record " + expected + " is missing");
                if (!prev.equals(rs.getString("prev_hash")))
                    return new Verification(
                            false,
                            n,
                            prev,
                            seq,
                            "record " + seq + " does not follow record " + (seq - 1)
                                    + " (a record was deleted, inserted or edited)");
                String h = hash(
                        prev,
                        seq,
                        rs.getLong("at"),
                        rs.getString("actor"),
                        rs.getString("kind"),
                        rs.getString("subject"),
                        rs.getString("detail"));
                if (!h.equals(rs.getString("hash")))
                    return new Verification(false, n, prev, seq, "record " + seq + " was altered after it was written");
                prev = h;
                expected++;
                n++;
            }
        }
        return new Verification(true, n, prev, null, null);
    }

    static String hash(String prev, long seq, long at, String actor, String kind, String subject, String detail) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (String part : new String[] {
                prev,
                Long.toString(seq),
                Long.toString(at),
                actor,
                kind,
                subject == null ? "" : subject,
                detail == null ? "" : detail
            }) {
                md.update(part.getBytes(StandardCharsets.UTF_8));
                md.update((byte) 0); // a separator no field contains: fields cannot be shifted into each other
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Entry entry(ResultSet rs) throws SQLException {
        return new Entry(
                rs.getLong("seq"),
                rs.getLong("at"),
                rs.getString("actor"),
                rs.getString("kind"),
                rs.getString("subject"),
                rs.getString("detail"),
                rs.getString("hash"));
    }

    /** Kinds recorded, for filters and docs. */
    public static final List<String> KINDS = new ArrayList<>(List.of(
            "token.created",
            "token.revoked",
            "registration-token.created",
            "registration-token.revoked",
            "runner.registered",
            "runner.removed",
            "runner.credential-rotated",
            "secret.set",
            "secret.deleted",
            "secret.delivered",
            "secrets.key-rotated",
            "auth.denied",
            "auth.unknown-credential",
            "webhook.rejected",
            "environment.set",
            "environment.deleted",
            "deployment.approved",
            "deployment.rejected",
            "deployment.refused"));
}
