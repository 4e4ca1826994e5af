package dev.runway.server.store;

/**
 * The slots of {@code on: schedule} entries already fired, shared by every replica: a slot is fired by the one
 * replica whose conditional update moves the schedule's {@code last_fire} forward to it.
 */
public final class ScheduleStore {
    /** One schedule: a cron entry of a workflow file of a repository. */
    public record Key(String repo, String workflowPath, String cron) {}

    private final Database db;

    public ScheduleStore(Database db) {
        this.db = db;
    }

    /**
     * Records a schedule seen for the first time with {@code slot} as its last fire, so slots before it was seen
     * are not fired; true if this call recorded it, false if it was known already (to this or another replica).
     */
    public boolean arm(Key k, long slot) {
        return db.tx(c -> Sql.update(
                        c,
                        "INSERT INTO schedule_fires (repo, workflow_path, cron, last_fire) VALUES (?, ?, ?, ?)"
                                + " ON CONFLICT (repo, workflow_path, cron) DO NOTHING",
                        k.repo(),
                        k.workflowPath(),
                        k.cron(),
                        slot)
                == 1);
    }

    /**
     * Takes {@code slot} for this replica: true for exactly one caller when the schedule's last fire is before it
     * (on PostgreSQL a concurrent update waits for the row and then finds the condition false; SQLite has one writer).
     */
    public boolean claim(Key k, long slot) {
        return db.tx(c -> Sql.update(
                        c,
                        "UPDATE schedule_fires SET last_fire = ? WHERE repo = ? AND workflow_path = ? AND cron = ?"
                                + " AND last_fire < ?",
                        slot,
                        k.repo(),
                        k.workflowPath(),
                        k.cron(),
                        slot)
                == 1);
    }

    /** The schedule's last fired (or first seen) slot, or null if it was never seen. */
    public Long lastFire(Key k) {
        return db.read(c -> Sql.one(
                c,
                "SELECT last_fire FROM schedule_fires WHERE repo = ? AND workflow_path = ? AND cron = ?",
                rs -> rs.getLong(1),
                k.repo(),
                k.workflowPath(),
                k.cron()));
    }
}
