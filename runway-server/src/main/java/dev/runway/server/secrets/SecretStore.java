package dev.runway.server.secrets;

import dev.runway.server.environments.EnvironmentStore;
import dev.runway.server.store.Database;
import dev.runway.server.store.Sql;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Base64;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Secrets by scope and name, sealed under the {@link MasterKey}: the database holds only ciphertext. Values go in
 * ({@link #set}) and out to a job's attempt ({@link #resolve}), never back to an API caller. A repository's secret
 * overrides a global one of the same name. Names follow GitHub's rules and, like GitHub's, are case-insensitive
 * (kept upper-case).
 */
public final class SecretStore {
    /** GitHub's limit for one secret value. */
    public static final int MAX_VALUE_BYTES = 48 * 1024;
    /** Values shorter than this are not masked in logs (too likely to occur by chance); setting one warns. */
    public static final int MIN_MASKED_LENGTH = 4;

    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,199}");
    private static final Pattern REPO = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]*/(?!\\.{1,2}$)[A-Za-z0-9_.-]+");

    public record Secret(String scope, String name, long createdAt, long updatedAt) {}

    private final Database db;
    private volatile MasterKey key;

    public SecretStore(Database db, MasterKey key) {
        this.db = db;
        this.key = key;
    }

    /** Checks a name as given by a user; returns it upper-cased. */
    public static String name(String name) {
        return name("secret", name);
    }

    /** As {@link #name(String)} for a {@code kind} of name (secret, variable): the rules are GitHub's for both. */
    public static String name(String kind, String name) {
        if (name == null || !NAME.matcher(name).matches())
            throw new IllegalArgumentException(kind + " name '" + name + "' is not valid: use letters, digits and _,"
                    + " not starting with a digit (e.g. DEPLOY_KEY)");
        String n = name.toUpperCase(Locale.ROOT);
        if (n.startsWith("GITHUB_") || n.startsWith("RUNWAY_"))
            throw new IllegalArgumentException(kind + " names may not start with GITHUB_ or RUNWAY_ (reserved)");
        return n;
    }

    /**
     * Checks a scope: an environment's ({@code env:<name>}) when {@code environment} is given, else null or blank
     * for every repository, else owner/name.
     */
    public static String scope(String repo, String environment) {
        if (environment != null && !environment.isBlank()) {
            if (repo != null && !repo.isBlank())
                throw new IllegalArgumentException("give a repository or an environment, not both (environments"
                        + " are shared by every repository)");
            return EnvironmentStore.scope(environment);
        }
        return scope(repo);
    }

    /** Checks a scope: null or blank for every repository, else owner/name. */
    public static String scope(String repo) {
        if (repo == null || repo.isBlank()) return "";
        if (!REPO.matcher(repo).matches())
            throw new IllegalArgumentException("repository '" + repo + "' is not owner/name");
        return repo;
    }

    /** Creates or replaces a secret; true if it was new. */
    public boolean set(String scope, String name, String value, long now) {
        if (value == null || value.isEmpty()) throw new IllegalArgumentException("a secret value may not be empty");
        if (value.getBytes(StandardCharsets.UTF_8).length > MAX_VALUE_BYTES)
            throw new IllegalArgumentException("a secret value may be at most " + MAX_VALUE_BYTES / 1024 + " KiB");
        MasterKey k = key;
        String sealed = Base64.getEncoder().encodeToString(k.seal(value, aad(scope, name)));
        return db.tx(c -> {
            int n = Sql.update(
                    c,
                    "UPDATE secrets SET sealed = ?, key_id = ?, updated_at = ? WHERE scope = ? AND name = ?",
                    sealed,
                    k.id(),
                    now,
                    scope,
                    name);
            if (n == 1) return false;
            Sql.update(
                    c,
                    "INSERT INTO secrets (scope, name, sealed, key_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                    scope,
                    name,
                    sealed,
                    k.id(),
                    now,
                    now);
            return true;
        });
    }

    public boolean delete(String scope, String name) {
        return db.tx(c -> Sql.update(c, "DELETE FROM secrets WHERE scope = ? AND name = ?", scope, name)) == 1;
    }

    /** Names and times, never values; {@code scope} null lists every scope. */
    public List<Secret> list(String scope) {
        return db.read(c -> scope == null
                ? Sql.query(c, "SELECT * FROM secrets ORDER BY scope, name", SecretStore::row)
                : Sql.query(c, "SELECT * FROM secrets WHERE scope = ? ORDER BY name", SecretStore::row, scope));
    }

    /**
     * The values of {@code names} for a job of repository {@code repo} (its own secret, else the global one); names
     * with no secret are left out.
     */
    public Map<String, String> resolve(String repo, Collection<String> names) {
        return resolve(null, repo, names);
    }

    /**
     * As {@link #resolve(String, Collection)} for a job that deploys to {@code environment} (null: none): the
     * environment's secret first, then the repository's, then the global one, as on GitHub.
     */
    public Map<String, String> resolve(String environment, String repo, Collection<String> names) {
        Map<String, String> out = new LinkedHashMap<>();
        if (names.isEmpty()) return out;
        MasterKey k = key;
        String envScope = environment == null ? null : EnvironmentStore.scope(environment);
        db.read(c -> {
            for (String raw : names) {
                String n = raw.toUpperCase(Locale.ROOT);
                Sealed s = null;
                if (envScope != null)
                    s = Sql.one(
                            c, "SELECT * FROM secrets WHERE scope = ? AND name = ?", SecretStore::sealed, envScope, n);
                if (s == null && repo != null && !repo.isBlank())
                    s = Sql.one(c, "SELECT * FROM secrets WHERE scope = ? AND name = ?", SecretStore::sealed, repo, n);
                if (s == null)
                    s = Sql.one(c, "SELECT * FROM secrets WHERE scope = '' AND name = ?", SecretStore::sealed, n);
                if (s != null) out.put(n, open(k, s));
            }
            return null;
        });
        return out;
    }

    /** Re-encrypts every secret under {@code next} in one transaction, then uses it; returns how many. */
    public int rotate(MasterKey next, long now) {
        MasterKey old = key;
        int n = db.tx(c -> {
            List<Sealed> all = Sql.query(c, "SELECT * FROM secrets", SecretStore::sealed);
            for (Sealed s : all) {
                String value = open(old, s);
                Sql.update(
                        c,
                        "UPDATE secrets SET sealed = ?, key_id = ?, updated_at = ? WHERE scope = ? AND name = ?",
                        Base64.getEncoder().encodeToString(next.seal(value, aad(s.scope(), s.name()))),
                        next.id(),
                        now,
                        s.scope(),
                        s.name());
            }
            return all.size();
        });
        key = next;
        return n;
    }

    public String keyId() {
        return key.id();
    }

    private record Sealed(String scope, String name, String sealed, String keyId) {}

    private static Sealed sealed(ResultSet rs) throws SQLException {
        return new Sealed(rs.getString("scope"), rs.getString("name"), rs.getString("sealed"), rs.getString("key_id"));
    }

    private static Secret row(ResultSet rs) throws SQLException {
        return new Secret(
                rs.getString("scope"), rs.getString("name"), rs.getLong("created_at"), rs.getLong("updated_at"));
    }

    private static String open(MasterKey k, Sealed s) {
        if (!k.id().equals(s.keyId()))
            throw new IllegalStateException("secret " + s.name() + " was sealed under master key " + s.keyId()
                    + ", but this control plane has key " + k.id() + " (replicas must share one --master-key-file)");
        try {
            return k.open(Base64.getDecoder().decode(s.sealed()), aad(s.scope(), s.name()));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IllegalStateException("secret " + s.name() + " does not decrypt: the row was altered");
        }
    }

    private static String aad(String scope, String name) {
        return "runway-secret:" + scope + ":" + name;
    }
}
