package dev.runway.server.store;

import java.nio.charset.StandardCharsets;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Configuration variables ({@code vars.*}) by scope and name, as GitHub keeps them for an organisation and a
 * repository: values are stored as given (they are not secret), a repository's variable wins over one of every
 * repository with the same name. Limits as GitHub's: 48 KiB a value, 1,000 variables a scope, and 256 KiB of
 * variables for one run (past that a run gets the ones that fit, repository ones first, in name order).
 */
public final class VariableStore {
    public static final int MAX_VALUE_BYTES = 48 * 1024;
    public static final int MAX_PER_SCOPE = 1_000;
    public static final int MAX_PER_RUN_BYTES = 256 * 1024;

    public record Variable(String scope, String name, String value, long createdAt, long updatedAt) {}

    private final Database db;

    public VariableStore(Database db) {
        this.db = db;
    }

    /** Sets a variable; true if it was created. Names and scopes are checked as for secrets. */
    public boolean set(String scope, String name, String value, long now) {
        if (value.getBytes(StandardCharsets.UTF_8).length > MAX_VALUE_BYTES)
            throw new IllegalArgumentException("value: at most " + (MAX_VALUE_BYTES / 1024) + " KiB");
        return db.tx(c -> {
            if (Sql.update(
                            c,
                            "UPDATE variables SET value = ?, updated_at = ? WHERE scope = ? AND name = ?",
                            value,
                            now,
                            scope,
                            name)
                    == 1) return false;
            Integer n = Sql.one(c, "SELECT COUNT(*) FROM variables WHERE scope = ?", rs -> rs.getInt(1), scope);
            if (n != null && n >= MAX_PER_SCOPE)
                throw new IllegalArgumentException("at most " + MAX_PER_SCOPE + " variables "
                        + (scope.isEmpty() ? "for every repository" : "for " + scope) + "; delete one first");
            Sql.update(
                    c,
                    "INSERT INTO variables (scope, name, value, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
                    scope,
                    name,
                    value,
                    now,
                    now);
            return true;
        });
    }

    public boolean delete(String scope, String name) {
        return db.tx(c -> Sql.update(c, "DELETE FROM variables WHERE scope = ? AND name = ?", scope, name)) == 1;
    }

    /** {@code scope} null lists every scope. */
    public List<Variable> list(String scope) {
        return db.read(c -> scope == null
                ? Sql.query(c, "SELECT * FROM variables ORDER BY scope, name", VariableStore::row)
                : Sql.query(c, "SELECT * FROM variables WHERE scope = ? ORDER BY name", VariableStore::row, scope));
    }

    /** What {@code vars} holds for a run of {@code repo} (null: a run of no repository sees the global ones). */
    public Map<String, String> forRun(String repo) {
        Map<String, String> out = new LinkedHashMap<>();
        long bytes = 0;
        List<Variable> mine = repo == null ? List.of() : list(repo);
        for (List<Variable> scope : List.of(mine, list(""))) {
            for (Variable v : scope) {
                if (out.containsKey(v.name())) continue; // the repository's wins
                bytes += v.name().length() + v.value().getBytes(StandardCharsets.UTF_8).length;
                if (bytes > MAX_PER_RUN_BYTES) return out;
                out.put(v.name(), v.value());
            }
        }
        return out;
    }

    private static Variable row(ResultSet rs) throws SQLException {
        return new Variable(
                rs.getString("scope"),
                rs.getString("name"),
                rs.getString("value"),
                rs.getLong("created_at"),
                rs.getLong("updated_at"));
    }
}
