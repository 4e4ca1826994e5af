package dev.runway.server.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;

/**
 * The label sets of jobs as rows (table {@code label_sets}, keyed by the encoded labels a job stores, and
 * {@code label_set_members}), so a claim matches labels in SQL: a runner may take a job when no label of the job's
 * set is missing from the runner's labels.
 */
final class LabelSets {
    /**
     * Records the set {@code encoded} (from {@link Labels#encode}) and its members, if it is new. A set that exists
     * (nearly always) costs one read and takes no lock; a new one is inserted once, whoever races to insert it.
     */
    static void ensure(Connection c, String encoded) throws SQLException {
        if (Sql.one(c, "SELECT 1 FROM label_sets WHERE labels = ?", rs -> 1, encoded) != null) return;
        // On PostgreSQL an insert waits for another transaction's uncommitted insert of the same set: two
        // transactions creating the same new sets in opposite orders would wait for each other (a deadlock that
        // fails one). New sets are therefore created one transaction at a time, under a lock held to its commit.
        // SQLite has one connection: nothing to order.
        if ("PostgreSQL".equals(c.getMetaData().getDatabaseProductName()))
            Sql.one(c, "SELECT pg_advisory_xact_lock(?)", rs -> 1, NEW_SET_LOCK);
        if (Sql.update(c, "INSERT INTO label_sets (labels) VALUES (?) ON CONFLICT DO NOTHING", encoded) == 0) return;
        for (String label : Labels.decode(encoded)) {
            Sql.update(
                    c,
                    "INSERT INTO label_set_members (labels, label) VALUES (?, ?) ON CONFLICT DO NOTHING",
                    encoded,
                    label);
        }
    }

    /** The advisory lock of new label sets (any constant no other part of Runway uses). */
    static final long NEW_SET_LOCK = 0x52554E5741594C53L; // "RUNWAYLS"

    /** A condition on {@code jobs} (starting with " AND", empty for a runner that takes anything) and its arguments. */
    record Match(String sql, List<Object> args) {}

    /** The jobs a runner with {@code runnerLabels} (normalised) may take. */
    static Match servedBy(Set<String> runnerLabels) {
        if (runnerLabels.contains(Labels.ANY)) return new Match("", List.of());
        Match sets = setsServedBy(runnerLabels);
        return new Match(" AND labels IN (" + sets.sql() + ")", sets.args());
    }

    /**
     * The label sets a runner with {@code runnerLabels} (normalised, not {@link Labels#ANY}) may take, as a query of
     * one column, {@code labels}.
     */
    static Match setsServedBy(Set<String> runnerLabels) {
        String missing = runnerLabels.isEmpty()
                ? ""
                : " AND m.label NOT IN (" + String.join(", ", Collections.nCopies(runnerLabels.size(), "?")) + ")";
        return new Match(
                "SELECT s.labels FROM label_sets s WHERE NOT EXISTS"
                        + " (SELECT 1 FROM label_set_members m WHERE m.labels = s.labels" + missing + ")",
                new ArrayList<>(runnerLabels));
    }

    private LabelSets() {}
}
