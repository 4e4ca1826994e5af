package dev.runway.server.store;

import java.sql.SQLException;

/**
 * A database failure the caller cannot fix (answered as 500 internal, logged with its cause), or a full disk under
 * the store ({@link #diskFull()}: answered as 503 with words an operator can act on, and reported by /healthz).
 */
public final class StoreException extends RuntimeException {
    private final boolean diskFull;

    public StoreException(SQLException cause) {
        this(cause, isDiskFull(cause));
    }

    StoreException(SQLException cause, boolean diskFull) {
        super(diskFull ? "the store's disk is full (" + cause.getMessage() + ")" : cause.getMessage(), cause);
        this.diskFull = diskFull;
    }

    /** True when the database could not write for want of disk space. */
    public boolean diskFull() {
        return diskFull;
    }

    /**
     * SQLite's SQLITE_FULL (13, "database or disk is full"), PostgreSQL's disk_full (53100) or an I/O error saying
     * ENOSPC, anywhere in the cause chain.
     */
    static boolean isDiskFull(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof SQLException s) {
                if ("53100".equals(s.getSQLState())) return true;
                if (s.getErrorCode() == 13 && c.getClass().getName().startsWith("org.sqlite")) return true;
            }
            String m = c.getMessage();
            if (m != null && (m.contains("database or disk is full") || m.contains("No space left on device")))
                return true;
            if (c.getCause() == c) break;
        }
        return false;
    }
}
