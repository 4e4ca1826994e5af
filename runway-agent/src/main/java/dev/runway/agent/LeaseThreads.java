package dev.runway.agent;

import dev.runway.protocol.LogContext;

/**
 * Threads for what keeps a lease honest: the renewal loop and its calls, each attempt's watchdog, and the ticks to
 * the dead man's switch. They are platform threads, not virtual ones: a virtual thread runs only when one of the
 * scheduler's carriers (one per core) is free, and a hundred jobs starting at once keep every carrier busy with
 * their own work for seconds, so the renewals stalled, every lease ran past the agent's margin and healthy jobs were
 * stopped and run again up to their last attempt (the full-scale chaos run after a control-plane restart). The OS
 * schedules these whatever the virtual threads do; there are few of them (two per running attempt at most, small
 * stacks).
 */
final class LeaseThreads {
    private static final long STACK_BYTES = 256 * 1024;

    static Thread start(String name, Runnable body) {
        return Thread.ofPlatform()
                .name(name)
                .daemon(true)
                .priority(Thread.MAX_PRIORITY)
                .stackSize(STACK_BYTES)
                .start(LogContext.wrap(body));
    }

    private LeaseThreads() {}
}
