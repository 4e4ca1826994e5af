package dev.runway.server.store;

import dev.runway.protocol.JobState;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * PostgreSQL only: what one replica tells the others of the queue, through {@code NOTIFY} on channel {@value
 * #CHANNEL}, so a job queued through one replica reaches a poll held by another at once, not at its next periodic
 * recheck. The notifications are sent in the transaction that made the change ({@link Transitions#tx}), so
 * PostgreSQL delivers them when, and only if, it commits. Each replica listens on a dedicated connection outside the
 * pool ({@link Listener}) and skips what it sent itself (its own listeners heard of it already).
 *
 * <p>Payloads, after the sending replica's id and a space: {@code q <n> <labels>} — {@code n} jobs with the encoded
 * label set {@code labels} were queued (NOTIFY folds equal payloads of one transaction into one, so they are counted
 * here); {@code q 0} — a job of a concurrency group stopped running, so a queued job of that group may start: look at
 * the queue. An attempt that ends is not sent otherwise: a notifying commit takes a lock every other notifying commit
 * waits for (sending one on each completion as well cost PostgreSQL's control-plane throughput visibly), and an
 * agent polls only from a free slot, so no poll held elsewhere waits for that slot.
 */
public final class JobNotifications {
    private static final Logger log = LoggerFactory.getLogger(JobNotifications.class);

    public static final String CHANNEL = "runway_jobs";

    /** The application name of every replica's LISTEN connection, by which replicas see each other. */
    static final String APPLICATION_NAME = "runway-listen";

    /** PostgreSQL refuses payloads of 8000 bytes or more; a longer label set is sent as "look at the queue". */
    static final int MAX_PAYLOAD = 7000;

    /** What a notification says, as the receiving replica acts on it. */
    public sealed interface Event {
        /** {@code count} jobs with {@code labels} were queued; {@code labels} null: look at the whole queue. */
        record Queued(Set<String> labels, int count) implements Event {}
    }

    /**
     * The payloads for the committed-to-be {@code transitions} of one transaction, in a stable order; {@code
     * groupFreed}: a job of a concurrency group stopped running in it.
     */
    static List<String> payloads(String replica, List<Transition> transitions, boolean groupFreed) {
        Map<String, Integer> queued = new LinkedHashMap<>();
        for (Transition t : transitions)
            if (t.to() == JobState.QUEUED)
                queued.merge(Labels.encode(Labels.normalise(t.job().labels())), 1, Integer::sum);
        List<String> out = new ArrayList<>(queued.size() + 1);
        queued.forEach((labels, n) -> {
            String p = replica + " q " + n + " " + labels;
            out.add(p.length() > MAX_PAYLOAD ? replica + " q " + n : p);
        });
        if (groupFreed) out.add(replica + " q 0");
        return out;
    }

    /** Sends the notifications of one transaction in it, {@code c} (delivered if it commits). */
    static void send(Connection c, String replica, List<Transition> transitions, boolean groupFreed)
            throws SQLException {
        for (String p : payloads(replica, transitions, groupFreed))
            Sql.query(c, "SELECT pg_notify(?, ?)", rs -> 1, CHANNEL, p);
    }

    /** The event of a payload another replica sent; null for one of {@code replica}'s own or one not understood. */
    static Event parse(String replica, String payload) {
        String[] p = payload.split(" ", 4);
        if (p.length < 3 || p[0].equals(replica)) return null;
        try {
            return switch (p[1]) {
                case "q" -> new Event.Queued(p.length == 4 ? Labels.decode(p[3]) : null, Integer.parseInt(p[2]));
                default -> null;
            };
        } catch (RuntimeException e) {
            return null;
        }
    }

    /**
     * The replica's LISTEN connection and its thread: events of the other replicas go to {@code onEvent}; when the
     * connection drops it is opened again, with backoff (100 ms doubling to 5 s), and {@code onReconnect} runs once
     * it listens again (what was sent meanwhile is lost: the caller looks at the queue). Every {@link #PING_MILLIS}
     * it looks whether other replicas listen (pg_stat_activity, by application name): while none does, this replica
     * sends no notifications; the same query notices a dead connection without traffic.
     */
    public static final class Listener implements AutoCloseable {
        static final long PING_MILLIS = 2_000;

        /**
         * How long after it began to listen a replica still looks at the queue every second: the others learn that
         * it listens within a {@link #PING_MILLIS} (until then they may not notify it).
         */
        static final long SETTLE_MILLIS = 3 * PING_MILLIS;

        static final long MAX_BACKOFF_MILLIS = 5_000;

        private final Database db;
        private final Consumer<Event> onEvent;
        private final Runnable onReconnect;
        private final Thread thread;
        private volatile boolean closed;
        private volatile boolean listening;
        private volatile Connection connection;
        private volatile int backendPid;
        private volatile long listeningSinceNanos;

        private Listener(Database db, Consumer<Event> onEvent, Runnable onReconnect) {
            this.db = db;
            this.onEvent = onEvent;
            this.onReconnect = onReconnect;
            this.thread = Thread.ofPlatform().name("runway-pg-listen").daemon().unstarted(this::run);
        }

        /** Starts listening (null for a store that is not PostgreSQL). */
        public static Listener start(Database db, Consumer<Event> onEvent, Runnable onReconnect) {
            if (db.dialect() != Database.Dialect.POSTGRESQL) return null;
            Listener l = new Listener(db, onEvent, onReconnect);
            l.thread.start();
            return l;
        }

        /** Whether the connection listens now. */
        public boolean listening() {
            return listening;
        }

        /**
         * Whether other replicas' changes arrive as they commit: it listens, and has for long enough that the others
         * know it does ({@link #SETTLE_MILLIS}).
         */
        public boolean told() {
            return listening && System.nanoTime() - listeningSinceNanos >= SETTLE_MILLIS * 1_000_000;
        }

        /** Whether another replica listens on the database, from the listening connection (its application name). */
        private void lookForOthers(Connection c) throws SQLException {
            try (Statement st = c.createStatement();
                    var rs = st.executeQuery("SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database()"
                            + " AND application_name = '" + APPLICATION_NAME + "' AND pid <> pg_backend_pid()")) {
                rs.next();
                db.othersListen(rs.getInt(1) > 0);
            }
        }

        /** The server process of the LISTEN connection (0 while there is none), for tests that cut it. */
        public int backendPid() {
            return listening ? backendPid : 0;
        }

        private void run() {
            long backoff = 100;
            boolean first = true;
            while (!closed) {
                try (Connection c = db.dedicatedConnection()) {
                    connection = c;
                    try (Statement st = c.createStatement()) {
                        st.execute("LISTEN " + CHANNEL);
                        try (var rs = st.executeQuery("SELECT pg_backend_pid()")) {
                            rs.next();
                            backendPid = rs.getInt(1);
                        }
                    }
                    lookForOthers(c);
                    listeningSinceNanos = System.nanoTime();
                    listening = true;
                    backoff = 100;
                    if (!first) {
                        log.info("listening for other replicas' jobs again");
                        onReconnect.run();
                    }
                    first = false;
                    PGConnection pg = c.unwrap(PGConnection.class);
                    long looked = System.nanoTime();
                    while (!closed) {
                        PGNotification[] got = pg.getNotifications((int) PING_MILLIS);
                        if (got != null) for (PGNotification n : got) deliver(n.getParameter());
                        if (System.nanoTime() - looked >= PING_MILLIS * 1_000_000) {
                            lookForOthers(c); // also a dead connection fails here, not never
                            looked = System.nanoTime();
                        }
                    }
                } catch (SQLException | RuntimeException e) {
                    if (closed) break;
                    if (listening || first)
                        log.warn(
                                "not listening for other replicas' jobs ({}); reconnecting, meanwhile the queue is"
                                        + " rechecked every second",
                                e.getMessage());
                    first = false;
                } finally {
                    listening = false;
                    connection = null;
                    db.othersListen(true); // not known while not listening: notify, as is safe
                }
                if (closed) break;
                try {
                    Thread.sleep(backoff); // backoff before reconnecting, not synchronisation
                } catch (InterruptedException e) {
                    break;
                }
                backoff = Math.min(MAX_BACKOFF_MILLIS, backoff * 2);
            }
        }

        private void deliver(String payload) {
            Event e = parse(db.replicaId(), payload);
            if (e == null) return;
            try {
                onEvent.accept(e);
            } catch (RuntimeException x) {
                log.error("acting on another replica's notification '{}' failed", payload, x);
            }
        }

        @Override
        public void close() {
            closed = true;
            thread.interrupt();
            Connection c = connection;
            if (c != null) {
                try {
                    c.close();
                } catch (SQLException ignored) {
                    // closing anyway
                }
            }
            try {
                thread.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private JobNotifications() {}
}
