package dev.runway.server.store;

import dev.runway.protocol.RunwayVersion;
import dev.runway.server.ServerConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.DigestInputStream;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * Backup and restore of an SQLite control plane: one zip holding a consistent copy of the database made online
 * ({@code VACUUM INTO}, while the server runs and writes), the blob directories ({@code artifacts/}, {@code
 * caches/}), the master key and the admin token file, and a manifest ({@value #MANIFEST}: format, schema version,
 * time, and the size and SHA-256 of every file, checked on restore). The database is copied first and the blobs
 * after it: a blob is in place before its row is committed, so every artifact and cache the copy knows has its file.
 * PostgreSQL is backed up with {@code pg_dump} (docs/operations.md), and both methods refuse it saying so.
 */
public final class Backup {
    /** The archive's manifest entry. */
    public static final String MANIFEST = "runway-backup.properties";

    /** The archive layout this version writes and reads. */
    public static final int FORMAT = 1;

    /** The database's name in the archive and in a restored data directory. */
    static final String DATABASE = "runway.db";

    static final String MASTER_KEY = "master.key";
    /** The bootstrap admin token's file (dev.runway.server.tokens.AdminToken.FILE; the store does not use tokens). */
    static final String ADMIN_TOKEN = "admin-token";

    static final List<String> BLOB_DIRS = List.of("artifacts", "caches");

    /** What an archive holds: its format, the schema version of its database, when and by which version it was made. */
    public record Manifest(
            int format, int schemaVersion, Instant createdAt, String runwayVersion, Map<String, Entry> files) {
        public Manifest {
            files = Map.copyOf(files);
        }
    }

    /** One file of an archive: its size and SHA-256 (hex). */
    public record Entry(long size, String sha256) {}

    /** A backup or restore that cannot be done, with what to do instead. */
    public static final class Refused extends RuntimeException {
        Refused(String message) {
            super(message);
        }
    }

    /** Backs up the SQLite store in {@code dataDir} (the default layout) into the zip {@code out}. */
    public static Manifest backup(Path dataDir, Path out) {
        return backup(ServerConfig.defaults(dataDir), out);
    }

    /**
     * Backs up the store {@code config} names into the zip {@code out} (written beside it first, moved into place when
     * complete, mode 0600: it holds the master key); the server may be running. Refused for PostgreSQL.
     */
    public static Manifest backup(ServerConfig config, Path out) {
        Path db = sqliteFile(config, "back up");
        if (!Files.isRegularFile(db))
            throw new Refused("no database at " + db + ": nothing to back up (is the data directory right?)");
        Path parent = out.toAbsolutePath().getParent();
        Path tmp = null;
        Path snapshot = null;
        try {
            Files.createDirectories(parent);
            tmp = Files.createTempFile(
                    parent, ".runway-backup-", ".part", PosixFilePermissions.asFileAttribute(DataDir.FILE_MODE));
            snapshot = Files.createTempFile(
                    parent, ".runway-backup-", ".db", PosixFilePermissions.asFileAttribute(DataDir.FILE_MODE));
            Files.delete(snapshot); // VACUUM INTO writes a new file only
            int schema = vacuumInto(db, snapshot);
            Map<String, Entry> files = new LinkedHashMap<>();
            Instant at = Instant.now();
            try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(tmp))) {
                add(zip, DATABASE, snapshot, files);
                if (config.masterKeyFile() != null && Files.isRegularFile(config.masterKeyFile()))
                    add(zip, MASTER_KEY, config.masterKeyFile(), files);
                Path token = config.dataDir().resolve(ADMIN_TOKEN);
                if (Files.isRegularFile(token)) add(zip, ADMIN_TOKEN, token, files);
                for (String dir : BLOB_DIRS) addTree(zip, config.dataDir(), dir, files);
                Manifest m = new Manifest(FORMAT, schema, at, RunwayVersion.CURRENT, files);
                zip.putNextEntry(new ZipEntry(MANIFEST));
                write(m, zip);
                zip.closeEntry();
                Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                DataDir.tighten(out);
                return m;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("backup to " + out + " failed: " + e.getMessage(), e);
        } finally {
            deleteQuietly(tmp);
            deleteQuietly(snapshot);
        }
    }

    /** Restores {@code archive} into {@code dataDir} (the default layout), which must be empty or not exist. */
    public static Manifest restore(Path archive, Path dataDir) {
        return restore(archive, ServerConfig.defaults(dataDir));
    }

    /**
     * Restores {@code archive} into the data directory of {@code config}: refused when that directory holds anything,
     * when the archive was made by a newer schema than this Runway knows, or for PostgreSQL. Every file is checked
     * against the manifest; on any failure what was written is removed again.
     */
    public static Manifest restore(Path archive, ServerConfig config) {
        Path db = sqliteFile(config, "restore");
        Path dataDir = config.dataDir().toAbsolutePath().normalize();
        if (!db.toAbsolutePath().getParent().equals(dataDir.toAbsolutePath()))
            throw new Refused("restore puts the database at " + dataDir.resolve(DATABASE)
                    + "; start the server without --database-url " + config.databaseUrl());
        if (Files.exists(dataDir) && !isEmptyDir(dataDir))
            throw new Refused("the data directory " + dataDir
                    + " is not empty: restore only into a new or empty directory (move the old one aside first)");
        Path key = config.masterKeyFile() == null
                ? dataDir.resolve(MASTER_KEY)
                : config.masterKeyFile().toAbsolutePath().normalize();
        boolean keyInDataDir = key.equals(dataDir.resolve(MASTER_KEY));
        if (!keyInDataDir && Files.exists(key))
            throw new Refused("the master key file " + key + " exists: restore would replace it (move it aside first)");
        try (ZipFile zip = new ZipFile(archive.toFile())) {
            ZipEntry me = zip.getEntry(MANIFEST);
            if (me == null) throw new Refused(archive + " is not a Runway backup (it has no " + MANIFEST + ")");
            Manifest m;
            try (InputStream in = zip.getInputStream(me)) {
                m = read(in);
            }
            if (m.format() > FORMAT)
                throw new Refused(archive + " has backup format " + m.format() + "; this Runway reads format " + FORMAT
                        + ": restore it with the Runway " + m.runwayVersion() + " that made it, or newer");
            if (m.schemaVersion() > Database.LATEST_SCHEMA_VERSION)
                throw new Refused(
                        archive + " holds a database at schema version " + m.schemaVersion() + " (made by Runway "
                                + m.runwayVersion() + "); this Runway knows up to " + Database.LATEST_SCHEMA_VERSION
                                + ": restore it with Runway " + m.runwayVersion() + " or newer");
            if (!m.files().containsKey(DATABASE)) throw new Refused(archive + " has no " + DATABASE);
            boolean created = !Files.exists(dataDir);
            DataDir.prepare(dataDir);
            try {
                for (Map.Entry<String, Entry> f : m.files().entrySet()) {
                    String name = f.getKey();
                    ZipEntry ze = zip.getEntry(name);
                    if (ze == null) throw new Refused(archive + " is incomplete: " + name + " is missing");
                    Path target = name.equals(MASTER_KEY) && !keyInDataDir ? key : inside(dataDir, name);
                    restoreFile(zip, ze, dataDir, target, f.getValue());
                }
            } catch (RuntimeException | IOException e) {
                clear(dataDir, created);
                if (!keyInDataDir) deleteQuietly(key);
                throw e;
            }
            return m;
        } catch (IOException e) {
            throw new UncheckedIOException("restore of " + archive + " failed: " + e.getMessage(), e);
        }
    }

    /** The SQLite database file of {@code config}; PostgreSQL and in-memory stores are refused. */
    private static Path sqliteFile(ServerConfig config, String what) {
        String url = config.databaseUrl();
        if (url == null || url.isBlank()) return config.dataDir().resolve(DATABASE);
        if (url.startsWith("jdbc:postgresql:"))
            throw new Refused("the store is PostgreSQL: " + what + " it with pg_dump and pg_restore"
                    + " (docs/operations.md, \"Backup and restore\"), and the data directory's artifacts/, caches/"
                    + " and master key with it");
        String file = url.startsWith("jdbc:sqlite:") ? url.substring("jdbc:sqlite:".length()) : "";
        if (file.isEmpty() || file.startsWith(":memory:") || file.startsWith("file:") || file.contains("?"))
            throw new Refused("cannot " + what + " the database " + url + ": only an SQLite file or PostgreSQL");
        return Path.of(file).toAbsolutePath();
    }

    /** A consistent copy of the live database into {@code to}; its schema version. */
    private static int vacuumInto(Path db, Path to) {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db.toAbsolutePath());
                Statement st = c.createStatement()) {
            st.execute("PRAGMA busy_timeout=30000");
            st.execute("VACUUM INTO '" + to.toAbsolutePath().toString().replace("'", "''") + "'");
        } catch (SQLException e) {
            throw new IllegalStateException("cannot copy the database " + db + ": " + e.getMessage(), e);
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + to.toAbsolutePath())) {
            return Database.schemaVersion(c);
        } catch (SQLException e) {
            throw new IllegalStateException("the copy of " + db + " cannot be read: " + e.getMessage(), e);
        }
    }

    private static void addTree(ZipOutputStream zip, Path dataDir, String dir, Map<String, Entry> files)
            throws IOException {
        Path root = dataDir.resolve(dir);
        if (!Files.isDirectory(root)) return;
        List<Path> found;
        try (Stream<Path> walk = Files.walk(root)) {
            found = walk.filter(Files::isRegularFile)
                    // an upload in progress: not an artifact or cache yet
                    .filter(p -> !p.getFileName().toString().startsWith(".upload-"))
                    .sorted()
                    .toList();
        }
        for (Path p : found) {
            String name = dataDir.relativize(p).toString().replace('\\', '/');
            try {
                add(zip, name, p, files);
            } catch (NoSuchFileException e) {
                // removed meanwhile (retention, cache eviction): so is its row, in any later state
            }
        }
    }

    private static void add(ZipOutputStream zip, String name, Path file, Map<String, Entry> files) throws IOException {
        MessageDigest sha = sha256();
        long size;
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), sha)) {
            zip.putNextEntry(new ZipEntry(name));
            size = in.transferTo(zip);
            zip.closeEntry();
        }
        files.put(name, new Entry(size, HexFormat.of().formatHex(sha.digest())));
    }

    private static void restoreFile(ZipFile zip, ZipEntry ze, Path dataDir, Path target, Entry expected)
            throws IOException {
        if (target.startsWith(dataDir)) {
            Path d = dataDir;
            for (Path part : dataDir.relativize(target.getParent())) {
                if (part.toString().isEmpty()) continue;
                d = d.resolve(part);
                if (!Files.isDirectory(d))
                    Files.createDirectory(d, PosixFilePermissions.asFileAttribute(DataDir.DIR_MODE));
            }
        } else Files.createDirectories(target.getParent());
        MessageDigest sha = sha256();
        long size;
        try (InputStream in = zip.getInputStream(ze);
                OutputStream out = new DigestOutputStream(
                        Files.newOutputStream(
                                Files.createFile(target, PosixFilePermissions.asFileAttribute(DataDir.FILE_MODE))),
                        sha)) {
            size = in.transferTo(out);
        }
        String got = HexFormat.of().formatHex(sha.digest());
        if (size != expected.size() || !got.equals(expected.sha256()))
            throw new Refused("the archive is damaged: " + ze.getName() + " does not match its manifest (" + size
                    + " bytes, sha256 " + got + "; expected " + expected.size() + " bytes, " + expected.sha256() + ")");
    }

    /** {@code name} under {@code dir}; a name that would leave it (absolute, {@code ..}) is refused. */
    private static Path inside(Path dir, String name) {
        Path p = dir.resolve(name).normalize();
        if (!p.startsWith(dir.normalize()) || p.equals(dir.normalize()))
            throw new Refused("the archive names a file outside the data directory: " + name);
        return p;
    }

    static void write(Manifest m, OutputStream out) throws IOException {
        Properties p = new Properties();
        p.setProperty("format", Integer.toString(m.format()));
        p.setProperty("schema-version", Integer.toString(m.schemaVersion()));
        p.setProperty("created-at", m.createdAt().toString());
        p.setProperty("runway-version", m.runwayVersion());
        for (Map.Entry<String, Entry> f : m.files().entrySet())
            p.setProperty(
                    "file." + f.getKey(),
                    f.getValue().size() + " " + f.getValue().sha256());
        p.store(out, "Runway backup (docs/operations.md)");
    }

    static Manifest read(InputStream in) throws IOException {
        Properties p = new Properties();
        p.load(in);
        try {
            Map<String, Entry> files = new LinkedHashMap<>();
            for (String k : p.stringPropertyNames().stream().sorted().toList())
                if (k.startsWith("file.")) {
                    String[] v = p.getProperty(k).split(" ");
                    files.put(k.substring("file.".length()), new Entry(Long.parseLong(v[0]), v[1]));
                }
            return new Manifest(
                    Integer.parseInt(p.getProperty("format")),
                    Integer.parseInt(p.getProperty("schema-version")),
                    Instant.parse(p.getProperty("created-at")),
                    p.getProperty("runway-version", "unknown"),
                    files);
        } catch (RuntimeException e) {
            throw new Refused("the backup's manifest cannot be read: " + e.getMessage());
        }
    }

    private static boolean isEmptyDir(Path dir) {
        if (!Files.isDirectory(dir)) return false;
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isEmpty();
        } catch (IOException e) {
            return false;
        }
    }

    /** Removes what a failed restore wrote: everything in {@code dir}, and {@code dir} itself if restore made it. */
    private static void clear(Path dir, boolean created) {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList())
                if (created || !p.equals(dir)) deleteQuietly(p);
        } catch (IOException e) {
            // best effort: the message of the first failure matters more
        }
    }

    private static void deleteQuietly(Path p) {
        if (p == null) return;
        try {
            Files.deleteIfExists(p);
        } catch (DirectoryNotEmptyException e) {
            // left for the operator
        } catch (IOException e) {
            // best effort
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private Backup() {}
}
