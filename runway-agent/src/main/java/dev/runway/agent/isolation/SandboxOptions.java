package dev.runway.agent.isolation;

import java.nio.file.Path;
import java.util.List;

/**
 * What an operator chooses about the sandbox executor.
 *
 * @param uid the unprivileged user (and group) sandboxed steps run as when the agent runs as root; an agent that
 *     is not root cannot change users, and its steps keep its uid
 * @param engineAccess whether steps reach the container engine's socket (jobs that run {@code docker}
 *     themselves): that gives every job root on the host, so they then also keep the agent's uid
 * @param readOnly more host directories steps may read (a JDK in /opt...), besides the system directories, the
 *     tool cache and the action store
 */
public record SandboxOptions(int uid, boolean engineAccess, List<Path> readOnly) {
    /** nobody/nogroup on Debian and most distributions. */
    public static final int DEFAULT_UID = 65534;

    public static final SandboxOptions DEFAULT = new SandboxOptions(DEFAULT_UID, false, List.of());

    public SandboxOptions {
        if (uid <= 0) throw new IllegalArgumentException("the sandbox uid must be a positive number, not " + uid);
        readOnly = readOnly == null
                ? List.of()
                : readOnly.stream().map(p -> p.toAbsolutePath().normalize()).toList();
    }
}
