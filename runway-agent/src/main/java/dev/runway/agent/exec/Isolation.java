package dev.runway.agent.exec;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * Where a job's steps run, as {@code --executor} names it: on the runner's host ({@code shell}), in a bubblewrap
 * sandbox as an unprivileged user ({@code sandbox}), or in a container of the job's image with its services
 * ({@code container}). The {@link dev.runway.agent.steps.JobExecutor} runs steps the same way under each; only the {@link StepHost} differs.
 */
public enum Isolation {
    HOST("shell"),
    SANDBOX("sandbox"),
    CONTAINER("container");

    private final String flag;

    Isolation(String flag) {
        this.flag = flag;
    }

    /** The value of {@code --executor} (and of {@code RUNWAY_EXECUTOR}) that chooses this isolation. */
    public String flag() {
        return flag;
    }

    /** The isolation {@code --executor flag} chooses; an unknown value is an {@link IllegalArgumentException}. */
    public static Isolation of(String flag) {
        for (Isolation i : values()) {
            if (i.flag.equals(flag)) return i;
        }
        throw new IllegalArgumentException("unknown executor '" + flag + "' (use "
                + Arrays.stream(values()).map(Isolation::flag).collect(Collectors.joining(", ")) + ")");
    }

    /** Whether steps see the runner's own programs and tools (not in a container). */
    public boolean onHost() {
        return this != CONTAINER;
    }
}
