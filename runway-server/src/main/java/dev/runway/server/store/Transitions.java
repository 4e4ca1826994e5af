package dev.runway.server.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one path every job state change takes: store methods that change a job record a {@link Transition} in the
 * transaction's {@link Pending}, and once the transaction has committed every listener hears of it, in the order
 * they were added. A method that changes a job in the caller's transaction takes a {@code Pending}, which only
 * {@link #tx} hands out: no change can be committed without its listeners hearing of it. On PostgreSQL the same
 * transaction also tells the other replicas ({@link JobNotifications}).
 */
public final class Transitions {
    private static final Logger log = LoggerFactory.getLogger(Transitions.class);

    private final List<TransitionListener> listeners = new CopyOnWriteArrayList<>();

    public Transitions listen(TransitionListener l) {
        listeners.add(l);
        return this;
    }

    /** The transitions of one transaction not yet committed. */
    public static final class Pending {
        private final List<Transition> list = new ArrayList<>();

        private Pending() {}

        void add(Transition t) {
            list.add(t);
        }

        private boolean groupFreed;

        /** A job of a concurrency group stopped running: other replicas should look at the queue. */
        void groupFreed() {
            groupFreed = true;
        }

        public boolean isEmpty() {
            return list.isEmpty();
        }
    }

    public interface Work<T> {
        T run(Connection c, Pending pending) throws SQLException;
    }

    /** Runs {@code work} in one transaction of {@code db}; after it committed, tells the listeners what changed. */
    public <T> T tx(Database db, Work<T> work) {
        Pending pending = new Pending();
        T result = db.tx(c -> {
            pending.list.clear();
            pending.groupFreed = false;
            T r = work.run(c, pending);
            // other replicas hear of it when it commits, and only then (PostgreSQL's NOTIFY is transactional); a
            // replica alone on its database sends nothing
            if (db.dialect() == Database.Dialect.POSTGRESQL && !pending.list.isEmpty() && db.othersListen())
                JobNotifications.send(c, db.replicaId(), pending.list, pending.groupFreed);
            return r;
        });
        publish(pending.list);
        return result;
    }

    private void publish(List<Transition> batch) {
        if (batch.isEmpty()) return;
        List<Transition> committed = List.copyOf(batch);
        for (TransitionListener l : listeners) {
            try {
                l.onAll(committed);
            } catch (RuntimeException e) {
                // the change is committed: one failing reaction must not keep the others from it
                log.error(
                        "{} failed on {} transition(s), the first {}",
                        l.getClass().getSimpleName(),
                        committed.size(),
                        committed.get(0).jobId() + ": " + committed.get(0).from() + " -> "
                                + committed.get(0).to(),
                        e);
            }
        }
    }
}
