package dev.runway.server.dispatch;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Wakes requests waiting for something to happen to a key (new log bytes of a job, a job finishing). Take the
 * ticket before checking the condition, then wait on it: a signal in between is never lost.
 */
public final class Wakeups {
    private final ConcurrentHashMap<String, CompletableFuture<Void>> waiting = new ConcurrentHashMap<>();

    public CompletableFuture<Void> ticket(String key) {
        return waiting.computeIfAbsent(key, k -> new CompletableFuture<>());
    }

    public void signal(String key) {
        CompletableFuture<Void> f = waiting.remove(key);
        if (f != null) f.complete(null);
    }

    public void signalAll() {
        waiting.keySet().forEach(this::signal);
    }

    /** Waits for the ticket or the timeout; true if signalled. */
    public static boolean await(CompletableFuture<Void> ticket, long millis) {
        if (millis <= 0) return ticket.isDone();
        try {
            ticket.get(millis, TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (ExecutionException e) {
            return true;
        }
    }
}
