package dev.runway.agent.isolation;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The host programs the agent starts a step through, by absolute path, and the fixed environment they run with
 * under the sandbox. A step must never choose them: with the job's PATH, a job that put {@code ./bin/bwrap} first
 * (through {@code GITHUB_PATH}) would have it run as the agent's user, root, outside the sandbox.
 */
final class HostPrograms {
    /** What the host-side programs of a sandboxed step see: nothing of the job. */
    static final Map<String, String> ENVIRONMENT = Map.of("PATH", "/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL", "C");

    static final String SETSID = find("setsid");
    static final String SH = find("sh");
    static final String BWRAP = find("bwrap");
    static final String SETPRIV = find("setpriv");
    static final String ENV = find("env");

    /** The program in the system directories, or its bare name where none has it (then the start fails plainly). */
    static String find(String name) {
        for (String dir : List.of("/usr/bin", "/bin", "/usr/sbin", "/sbin", "/usr/local/bin")) {
            Path p = Path.of(dir, name);
            if (Files.isExecutable(p)) return p.toString();
        }
        return name;
    }

    private HostPrograms() {}
}
