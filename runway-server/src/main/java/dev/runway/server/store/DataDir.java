package dev.runway.server.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The control plane's data directory is its user's alone: created with mode 0700 (an existing one loses its group and other
 * permissions), and the files in it that hold secrets or the database are created 0600 (existing ones likewise), so no other local user reads a token hash, a
 * job's log or the master key.
 */
public final class DataDir {
    private static final Logger log = LoggerFactory.getLogger(DataDir.class);
    public static final Set<PosixFilePermission> DIR_MODE = PosixFilePermissions.fromString("rwx------");
    public static final Set<PosixFilePermission> FILE_MODE = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> OWNER = EnumSet.of(
            PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE);
    /** SQLite's companions of a database file; SQLite creates them with the database file's mode. */
    static final String[] SQLITE_SUFFIXES = {"", "-wal", "-shm", "-journal"};

    /** Creates {@code dir} with mode 0700, or sets an existing one to it. */
    public static Path prepare(Path dir) {
        try {
            if (!Files.isDirectory(dir)) {
                Path parent = dir.toAbsolutePath().getParent();
                if (parent != null) Files.createDirectories(parent);
                try {
                    Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(DIR_MODE));
                } catch (FileAlreadyExistsException e) {
                    // made meanwhile (another replica): tightened below
                }
            }
            tighten(dir);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the data directory " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * Makes sure the SQLite database {@code db} exists with mode 0600 before SQLite opens it (an empty file is a new
     * database), and tightens its companions left by an older version.
     */
    public static void sqliteFile(Path db) {
        try {
            try {
                Files.createFile(db, PosixFilePermissions.asFileAttribute(FILE_MODE));
            } catch (FileAlreadyExistsException e) {
                // an existing database: tightened below
            }
            for (String suffix : SQLITE_SUFFIXES) {
                Path f = db.resolveSibling(db.getFileName() + suffix);
                if (Files.exists(f)) tighten(f);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the database file " + db + ": " + e.getMessage(), e);
        }
    }

    /**
     * Takes every group and other permission off {@code path} (the owner's stay as they are); a file of another user (a
     * shared mount) is left as is, with a warning.
     */
    public static void tighten(Path path) {
        try {
            Set<PosixFilePermission> mode = Files.getPosixFilePermissions(path);
            Set<PosixFilePermission> owner = EnumSet.copyOf(mode);
            owner.retainAll(OWNER);
            if (!owner.equals(mode)) Files.setPosixFilePermissions(path, owner);
        } catch (IOException | UnsupportedOperationException e) {
            log.warn("cannot take group and other permissions off {}: {}", path, e.getMessage());
        }
    }

    private DataDir() {}
}
