package dev.runway.server.environments;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import dev.runway.protocol.Json;
import dev.runway.server.store.Database;
import dev.runway.server.store.Sql;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Deployment environments and their protection rules, as GitHub keeps them for a repository: required reviewers
 * (Runway token names), a wait timer, and the branches that may deploy. An environment a job names that has no row
 * here has no rules (GitHub creates it on first use); its scoped secrets and variables still apply.
 */
public final class EnvironmentStore {
    /** GitHub's limits: 6 reviewers, a wait timer of at most 30 days. */
    public static final int MAX_REVIEWERS = 6;

    public static final int MAX_WAIT_SECONDS = 30 * 24 * 3600;
    public static final int MAX_BRANCH_PATTERNS = 50;
    private static final Pattern NAME =
            Pattern.compile("[A-Za-z0-9_.-][A-Za-z0-9 _./-]{0,98}[A-Za-z0-9_.-]|[A-Za-z0-9_.-]");
    private static final Pattern REVIEWER = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.@-]{0,99}");

    /** An environment's rules; lists are empty for none. */
    public record Environment(
            String name,
            List<String> reviewers,
            int waitSeconds,
            List<String> branches,
            long createdAt,
            long updatedAt) {
        /** Whether a job deploying here waits for anything before it may start. */
        public boolean protectedByReview() {
            return !reviewers.isEmpty() || waitSeconds > 0;
        }
    }

    private final Database db;

    public EnvironmentStore(Database db) {
        this.db = db;
    }

    /** Checks an environment name as a user or a workflow gives it; returns it unchanged. */
    public static String checkName(String name) {
        if (name == null || !NAME.matcher(name).matches())
            throw new IllegalArgumentException("environment name '" + name + "' is not valid: use 1 to 100 letters,"
                    + " digits, spaces and . _ - / (not starting or ending with a space)");
        return name;
    }

    /** The scope of an environment's secrets and variables, beside '' (every repository) and owner/name. */
    public static String scope(String name) {
        return "env:" + checkName(name).toLowerCase(Locale.ROOT);
    }

    /** Creates or replaces an environment's rules; true if it was new. */
    public boolean set(String name, List<String> reviewers, int waitSeconds, List<String> branches, long now) {
        checkName(name);
        if (reviewers.size() > MAX_REVIEWERS)
            throw new IllegalArgumentException("reviewers: at most " + MAX_REVIEWERS + " (as on GitHub)");
        for (String r : reviewers)
            if (r == null || !REVIEWER.matcher(r).matches())
                throw new IllegalArgumentException("reviewers: '" + r + "' is not a token name");
        if (waitSeconds < 0 || waitSeconds > MAX_WAIT_SECONDS)
            throw new IllegalArgumentException("waitSeconds: between 0 and " + MAX_WAIT_SECONDS + " (30 days)");
        if (branches.size() > MAX_BRANCH_PATTERNS)
            throw new IllegalArgumentException("branches: at most " + MAX_BRANCH_PATTERNS + " patterns");
        for (String b : branches)
            if (b == null || b.isBlank() || b.length() > 255)
                throw new IllegalArgumentException("branches: a pattern may not be empty or longer than 255");
        String key = name.toLowerCase(Locale.ROOT);
        String rev = json(List.copyOf(reviewers));
        String br = json(List.copyOf(branches));
        return db.tx(c -> {
            int n = Sql.update(
                    c,
                    "UPDATE environments SET name = ?, reviewers = ?, wait_seconds = ?, branches = ?, updated_at = ?"
                            + " WHERE name_key = ?",
                    name,
                    rev,
                    waitSeconds,
                    br,
                    now,
                    key);
            if (n == 1) return false;
            Sql.update(
                    c,
                    "INSERT INTO environments (name_key, name, reviewers, wait_seconds, branches, created_at,"
                            + " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    key,
                    name,
                    rev,
                    waitSeconds,
                    br,
                    now,
                    now);
            return true;
        });
    }

    public boolean delete(String name) {
        String key = name.toLowerCase(Locale.ROOT);
        return db.tx(c -> Sql.update(c, "DELETE FROM environments WHERE name_key = ?", key)) == 1;
    }

    public List<Environment> list() {
        return db.read(c -> Sql.query(c, "SELECT * FROM environments ORDER BY name_key", EnvironmentStore::row));
    }

    public Environment get(String name) {
        return db.read(c -> get(c, name));
    }

    /** In the caller's transaction; null when the environment has no rules. */
    public static Environment get(Connection c, String name) throws SQLException {
        return Sql.one(
                c,
                "SELECT * FROM environments WHERE name_key = ?",
                EnvironmentStore::row,
                name.toLowerCase(Locale.ROOT));
    }

    private static Environment row(ResultSet rs) throws SQLException {
        return new Environment(
                rs.getString("name"),
                names(rs.getString("reviewers")),
                rs.getInt("wait_seconds"),
                names(rs.getString("branches")),
                rs.getLong("created_at"),
                rs.getLong("updated_at"));
    }

    /** A JSON array of names (reviewers, branch patterns) as stored. */
    static List<String> names(String json) {
        try {
            return Json.lenient().readValue(json, new TypeReference<List<String>>() {});
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String json(List<String> l) {
        try {
            return Json.lenient().writeValueAsString(l);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
