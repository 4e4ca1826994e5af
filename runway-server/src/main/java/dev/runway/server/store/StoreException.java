package dev.runway.server.store;

import java.sql.SQLException;

/** A database failure the caller cannot fix (answered as 500 internal, logged with its cause). */
public final class StoreException extends RuntimeException {
    public StoreException(SQLException cause) {
        super(cause.getMessage(), cause);
    }
}
