package dev.runway.server.store;

import dev.runway.server.tokens.Tokens;

/** API tokens (hashes only) with their role. Roles beyond admin arrive with the security issue. */
public final class ApiTokenStore {
    public record ApiToken(String id, String role, Long expiresAt, boolean revoked) {}

    private final Database db;

    public ApiTokenStore(Database db) {
        this.db = db;
    }

    public ApiToken byToken(String token) {
        return db.read(c -> Sql.one(
                c,
                "SELECT id, role, expires_at, revoked FROM api_tokens WHERE token_hash = ?",
                rs -> new ApiToken(
                        rs.getString(1), rs.getString(2), Sql.nullableLong(rs, "expires_at"), rs.getInt(4) != 0),
                Tokens.hash(token)));
    }

    /** Makes sure {@code token} exists with {@code role} (idempotent, so every replica may call it at start). */
    public void ensure(String token, String role, long now) {
        db.tx(c -> {
            String hash = Tokens.hash(token);
            if (Sql.one(c, "SELECT id FROM api_tokens WHERE token_hash = ?", rs -> rs.getString(1), hash) == null) {
                Sql.update(
                        c,
                        "INSERT INTO api_tokens (id, token_hash, role, created_at) VALUES (?, ?, ?, ?)",
                        Tokens.id("at"),
                        hash,
                        role,
                        now);
            }
            return null;
        });
    }
}
