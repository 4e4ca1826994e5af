package dev.runway.server.store;

import dev.runway.protocol.RunnerResources;
import dev.runway.protocol.TokenPrefixes;
import dev.runway.server.tokens.Tokens;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Registered runners, their credentials (hashes) and the registration tokens that admit them. */
public final class RunnerStore {
    private final Database db;
    private final Transitions transitions;

    /** A store whose changes no one listens to (tests of the store alone). */
    public RunnerStore(Database db) {
        this(db, new Transitions());
    }

    /** Jobs whose attempts a runner's deletion ends are passed on through {@code transitions}. */
    public RunnerStore(Database db, Transitions transitions) {
        this.db = db;
        this.transitions = transitions;
    }

    /** A new runner, its credential (shown once), and the registration token it used (its id). */
    public record Registered(RunnerRecord runner, String credential, String registrationTokenId) {}

    public enum RegistrationProblem {
        UNKNOWN,
        EXPIRED,
        USED_UP,
        REVOKED
    }

    /** Thrown when a registration token cannot be used; the message says why. */
    public static final class RegistrationRefused extends RuntimeException {
        public RegistrationRefused(String message) {
            super(message);
        }
    }

    /**
     * Uses one registration token (one atomic conditional UPDATE, so max_uses holds under concurrency) and creates
     * the runner with a fresh credential.
     */
    public Registered register(
            String registrationToken, String name, Set<String> labels, int slots, String version, long now) {
        return db.tx(c -> {
            String hash = Tokens.hash(registrationToken);
            Object[] t = Sql.one(
                    c,
                    "SELECT expires_at, uses, max_uses, revoked, id, pool, instance, variant, created_at FROM"
                            + " registration_tokens"
                            + " WHERE token_hash = ?",
                    rs -> new Object[] {
                        rs.getLong(1),
                        rs.getInt(2),
                        rs.getInt(3),
                        rs.getInt(4),
                        rs.getString(5),
                        rs.getString(6),
                        rs.getString(7),
                        rs.getString(8),
                        rs.getLong(9)
                    },
                    hash);
            if (t == null) throw new RegistrationRefused("registration token not recognised");
            if ((int) t[3] != 0) throw new RegistrationRefused("registration token was revoked");
            if ((long) t[0] <= now)
                throw new RegistrationRefused(
                        "registration token expired; create a new one with `runway token create --registration`");
            int used = Sql.update(
                    c,
                    "UPDATE registration_tokens SET uses = uses + 1 WHERE token_hash = ? AND uses < max_uses AND revoked = 0 AND expires_at > ?",
                    hash,
                    now);
            if (used == 0)
                throw new RegistrationRefused("registration token already used " + t[2] + " time(s), its maximum");
            String id = Tokens.id("r");
            String credential = Tokens.generate(TokenPrefixes.RUNNER);
            Sql.update(
                    c,
                    "INSERT INTO runners (id, name, labels, slots, version, credential_hash, credential_expires_at,"
                            + " created_at, last_seen_at, pool, instance, variant, requested_at)"
                            + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    id,
                    name,
                    String.join(",", labels),
                    slots,
                    version,
                    Tokens.hash(credential),
                    now + CREDENTIAL_LIFETIME.toMillis(),
                    now,
                    now,
                    t[5],
                    t[6],
                    t[7],
                    t[5] == null ? null : t[8]);
            return new Registered(
                    Sql.one(c, "SELECT * FROM runners WHERE id = ?", RunnerStore::runner, id), credential, (String)
                            t[4]);
        });
    }

    /** How long a runner credential lasts; agents rotate theirs half-way. */
    public static final Duration CREDENTIAL_LIFETIME = Duration.ofDays(30);
    /** How long the previous credential still works after a rotation (requests in flight). */
    public static final Duration ROTATION_OVERLAP = Duration.ofHours(1);

    /** Who a credential belongs to, and whether it is still good at {@code now}. */
    public record CredentialCheck(RunnerRecord runner, String problem) {}

    /**
     * The runner owning this credential (deleted ones included, so callers can say so) — its current one, or the
     * previous one within the overlap after a rotation — or null if no runner has it.
     */
    public CredentialCheck byCredential(String credential, long now) {
        String hash = Tokens.hash(credential);
        return db.read(c -> {
            // one query on the hot path (every poll): the current credential, or the previous one in its overlap
            Object[] row = Sql.one(
                    c,
                    "SELECT * FROM runners WHERE credential_hash = ? OR previous_credential_hash = ?",
                    rs -> new Object[] {
                        runner(rs),
                        hash.equals(rs.getString("credential_hash")),
                        Sql.nullableLong(rs, "credential_expires_at"),
                        Sql.nullableLong(rs, "previous_expires_at")
                    },
                    hash,
                    hash);
            if (row == null) return null;
            RunnerRecord r = (RunnerRecord) row[0];
            if ((boolean) row[1]) {
                Long expires = (Long) row[2];
                return new CredentialCheck(
                        r,
                        expires != null && expires <= now
                                ? "runner credential expired (the agent rotates it before then; was it stopped for"
                                        + " weeks?); register again with a new registration token"
                                : null);
            }
            Long until = (Long) row[3];
            return new CredentialCheck(
                    r, until != null && until > now ? null : "runner credential was replaced by a rotation");
        });
    }

    /**
     * A new credential for the runner; the one it replaces keeps working for {@link #ROTATION_OVERLAP}. Null when
     * {@code presented} is not the runner's current credential (only the current one may rotate).
     */
    public Rotated rotate(String runnerId, String presented, long now) {
        String presentedHash = Tokens.hash(presented);
        String credential = Tokens.generate(TokenPrefixes.RUNNER);
        long expires = now + CREDENTIAL_LIFETIME.toMillis();
        int n = db.tx(c -> Sql.update(
                c,
                "UPDATE runners SET previous_credential_hash = credential_hash, previous_expires_at = ?,"
                        + " credential_hash = ?, credential_expires_at = ? WHERE id = ? AND credential_hash = ?",
                now + ROTATION_OVERLAP.toMillis(),
                Tokens.hash(credential),
                expires,
                runnerId,
                presentedHash));
        return n == 1 ? new Rotated(credential, expires) : null;
    }

    public record Rotated(String credential, long expiresAt) {}

    public void touch(String runnerId, long now) {
        db.tx(c -> Sql.update(c, "UPDATE runners SET last_seen_at = ? WHERE id = ?", now, runnerId));
    }

    /**
     * Records what the runner says of its health: null when it can take jobs, else why not; and what its host uses
     * (kept as it was when {@code resources} is null).
     */
    public void health(String runnerId, String unhealthyReason, RunnerResources resources, long now) {
        db.tx(c -> {
            if (resources == null) {
                return Sql.update(
                        c,
                        "UPDATE runners SET unhealthy_reason = ?, last_seen_at = ? WHERE id = ?",
                        unhealthyReason,
                        now,
                        runnerId);
            }
            return Sql.update(
                    c,
                    "UPDATE runners SET unhealthy_reason = ?, last_seen_at = ?, cpu_ratio = ?,"
                            + " memory_used_bytes = ?, memory_total_bytes = ?, disk_used_bytes = ?,"
                            + " disk_total_bytes = ?, resources_at = ? WHERE id = ?",
                    unhealthyReason,
                    now,
                    resources.cpuRatio(),
                    resources.memoryUsedBytes(),
                    resources.memoryTotalBytes(),
                    resources.diskUsedBytes(),
                    resources.diskTotalBytes(),
                    now,
                    runnerId);
        });
    }

    /** Running attempts per runner (runners running nothing are absent), in one query. */
    public Map<String, Integer> runningCounts() {
        return db.read(c -> {
            Map<String, Integer> m = new HashMap<>();
            Sql.query(
                    c,
                    "SELECT runner_id, COUNT(*) FROM attempts WHERE state = 'running' GROUP BY runner_id",
                    rs -> m.put(rs.getString(1), rs.getInt(2)));
            return m;
        });
    }

    /** A runner by id, deleted ones included; null if there is none. */
    public RunnerRecord get(String id) {
        return db.read(c -> Sql.one(c, "SELECT * FROM runners WHERE id = ?", RunnerStore::runner, id));
    }

    public List<RunnerRecord> list() {
        return db.read(
                c -> Sql.query(c, "SELECT * FROM runners WHERE deleted = 0 ORDER BY created_at", RunnerStore::runner));
    }

    public enum Retired {
        RETIRED,
        BUSY,
        UNKNOWN
    }

    /**
     * Deletes the runner only if it runs nothing, atomically with respect to {@link JobStore#claim}: both first lock
     * the runner's row (a no-op UPDATE), so a runner is never retired while it claims a job, and a retired runner
     * claims nothing more. The fleet scaler stops idle runners this way.
     */
    public Retired retire(String runnerId) {
        return db.tx(c -> {
            if (Sql.update(c, "UPDATE runners SET deleted = deleted WHERE id = ? AND deleted = 0", runnerId) == 0)
                return Retired.UNKNOWN;
            Integer running = Sql.one(
                    c,
                    "SELECT COUNT(*) FROM attempts WHERE runner_id = ? AND state = 'running'",
                    rs -> rs.getInt(1),
                    runnerId);
            if (running != null && running > 0) return Retired.BUSY;
            Sql.update(c, "UPDATE runners SET deleted = 1 WHERE id = ?", runnerId);
            return Retired.RETIRED;
        });
    }

    /**
     * Deletes the runner and, in the same transaction, ends its running attempts ({@code "runner deleted"}: requeued
     * or failed per their attempts left; their results are refused from now on). The runner's row is locked first, as
     * by {@link JobStore#claim}, so an attempt it claims concurrently is ended too. Null if there was no such runner.
     */
    public List<Transition> delete(String runnerId, long now) {
        return transitions.tx(db, (c, p) -> {
            if (Sql.update(c, "UPDATE runners SET deleted = 1 WHERE id = ? AND deleted = 0", runnerId) == 0)
                return null;
            return JobStore.endAttemptsOfDeletedRunner(c, p, runnerId, now);
        });
    }

    /** A registration token just created: the plain token (shown once) and its id. */
    public record NewRegistrationToken(String token, String id) {}

    public NewRegistrationToken createRegistrationToken(long now, long expiresAt, int maxUses) {
        return createRegistrationToken(now, expiresAt, maxUses, Placement.NONE);
    }

    /** Where a scaler-started runner belongs; every field null for a runner started by hand. */
    public record Placement(String pool, String instance, String variant) {
        public static final Placement NONE = new Placement(null, null, null);
    }

    public NewRegistrationToken createRegistrationToken(long now, long expiresAt, int maxUses, Placement placement) {
        String token = Tokens.generate(TokenPrefixes.REGISTRATION);
        String id = Tokens.id("rt");
        db.tx(c -> Sql.update(
                c,
                "INSERT INTO registration_tokens (id, token_hash, created_at, expires_at, max_uses, pool, instance,"
                        + " variant) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                id,
                Tokens.hash(token),
                now,
                expiresAt,
                maxUses,
                placement.pool(),
                placement.instance(),
                placement.variant()));
        return new NewRegistrationToken(token, id);
    }

    /** True if the registration token existed and was not revoked yet. */
    public boolean revokeRegistrationToken(String id) {
        return db.tx(c -> Sql.update(c, "UPDATE registration_tokens SET revoked = 1 WHERE id = ? AND revoked = 0", id))
                == 1;
    }

    public record RegistrationTokenRecord(
            String id, long createdAt, long expiresAt, int maxUses, int uses, boolean revoked) {}

    public List<RegistrationTokenRecord> registrationTokens() {
        return db.read(c -> Sql.query(
                c,
                "SELECT * FROM registration_tokens ORDER BY created_at DESC",
                rs -> new RegistrationTokenRecord(
                        rs.getString("id"),
                        rs.getLong("created_at"),
                        rs.getLong("expires_at"),
                        rs.getInt("max_uses"),
                        rs.getInt("uses"),
                        rs.getInt("revoked") != 0)));
    }

    static RunnerRecord runner(ResultSet rs) throws SQLException {
        return new RunnerRecord(
                rs.getString("id"),
                rs.getString("name"),
                Labels.decode(rs.getString("labels")),
                rs.getInt("slots"),
                rs.getString("version"),
                rs.getLong("created_at"),
                rs.getLong("last_seen_at"),
                rs.getInt("deleted") != 0,
                rs.getString("unhealthy_reason"),
                rs.getString("pool"),
                rs.getString("instance"),
                rs.getString("variant"),
                Sql.nullableLong(rs, "first_job_at"),
                resources(rs),
                Sql.nullableLong(rs, "requested_at"));
    }

    private static RunnerResources resources(ResultSet rs) throws SQLException {
        Long at = Sql.nullableLong(rs, "resources_at");
        if (at == null) return null;
        return new RunnerResources(
                Sql.nullableDouble(rs, "cpu_ratio"),
                Sql.nullableLong(rs, "memory_used_bytes"),
                Sql.nullableLong(rs, "memory_total_bytes"),
                Sql.nullableLong(rs, "disk_used_bytes"),
                Sql.nullableLong(rs, "disk_total_bytes"),
                Instant.ofEpochMilli(at));
    }
}
