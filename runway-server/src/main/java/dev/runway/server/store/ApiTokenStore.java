package dev.runway.server.store;

import dev.runway.protocol.TokenPrefixes;
import dev.runway.server.tokens.Tokens;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;

/** API tokens (hashes only) with their role, name, expiry and last use; revocable. */
public final class ApiTokenStore {
    public record ApiToken(
            String id, String role, String name, long createdAt, Long expiresAt, Long lastUsedAt, boolean revoked) {}

    private final Database db;

    public ApiTokenStore(Database db) {
        this.db = db;
    }

    public ApiToken byToken(String token) {
        return db.read(c ->
                Sql.one(c, "SELECT * FROM api_tokens WHERE token_hash = ?", ApiTokenStore::row, Tokens.hash(token)));
    }

    private static ApiToken row(ResultSet rs) throws SQLException {
        return new ApiToken(
                rs.getString("id"),
                rs.getString("role"),
                rs.getString("name"),
                rs.getLong("created_at"),
                Sql.nullableLong(rs, "expires_at"),
                Sql.nullableLong(rs, "last_used_at"),
                rs.getInt("revoked") != 0);
    }

    /** A token just created: the plain token (shown once; only its hash is kept) and its id. */
    public record NewToken(String token, String id) {}

    public NewToken create(String role, String name, long now, Long expiresAt) {
        String token = Tokens.generate(TokenPrefixes.API);
        String id = Tokens.id("at");
        db.tx(c -> Sql.update(
                c,
                "INSERT INTO api_tokens (id, token_hash, role, name, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
                id,
                Tokens.hash(token),
                role,
                name,
                now,
                expiresAt));
        return new NewToken(token, id);
    }

    public List<ApiToken> list() {
        return db.read(c -> Sql.query(c, "SELECT * FROM api_tokens ORDER BY created_at", ApiTokenStore::row));
    }

    /** True if the token existed and was not revoked yet. */
    public boolean revoke(String id) {
        return db.tx(c -> Sql.update(c, "UPDATE api_tokens SET revoked = 1 WHERE id = ? AND revoked = 0", id)) == 1;
    }

    public boolean exists(String id) {
        return db.read(c -> Sql.one(c, "SELECT id FROM api_tokens WHERE id = ?", rs -> rs.getString(1), id)) != null;
    }

    /** Records a use, at most once a minute per token (the database need not hear of every request). */
    public void used(ApiToken t, long now) {
        if (t.lastUsedAt() != null && now - t.lastUsedAt() < 60_000) return;
        db.tx(c -> Sql.update(c, "UPDATE api_tokens SET last_used_at = ? WHERE id = ?", now, t.id()));
    }

    /** Makes sure {@code token} exists with {@code role} (idempotent, so every replica may call it at start). */
    public void ensure(String token, String role, long now) {
        db.tx(c -> {
            String hash = Tokens.hash(token);
            if (Sql.one(c, "SELECT id FROM api_tokens WHERE token_hash = ?", rs -> rs.getString(1), hash) == null) {
                Sql.update(
                        c,
                        "INSERT INTO api_tokens (id, token_hash, role, name, created_at) VALUES (?, ?, ?, ?, ?)",
                        Tokens.id("at"),
                        hash,
                        role,
                        "bootstrap admin token",
                        now);
            }
            return null;
        });
    }
}
