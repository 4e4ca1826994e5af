package dev.runway.agent.isolation;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * Directories the agent creates for a job (working directories, artifact targets), one component at a time and
 * never through a link that leaves the job's directory. The agent may be root while the job is not: {@code
 * Files.createDirectories} would follow a job's {@code ln -s /etc/cron.d x} and create {@code /etc/cron.d/new} as
 * root.
 */
public final class InsideDirectories {
    /** Creates {@code target} (a path below {@code base}) where it is missing; a link on the way must stay inside. */
    public static Path create(Path base, Path target) throws IOException {
        Path realBase = base.toRealPath();
        Path rel = base.relativize(target.normalize());
        if (rel.startsWith("..")) throw new IOException("'" + target + "' is outside " + base);
        Path cur = base;
        for (Path part : rel) {
            if (part.toString().isEmpty()) continue;
            cur = cur.resolve(part);
            if (Files.isSymbolicLink(cur)) {
                Path real;
                try {
                    real = cur.toRealPath();
                } catch (IOException e) {
                    throw new IOException("'" + base.relativize(cur) + "' is a link to nothing; the runner does not"
                            + " create directories through it");
                }
                if (!real.startsWith(realBase))
                    throw new IOException("'" + base.relativize(cur) + "' leads outside " + base
                            + " through a link; the runner does not create directories there");
            } else if (!Files.exists(cur, LinkOption.NOFOLLOW_LINKS)) {
                Files.createDirectory(cur);
                continue;
            }
            if (!Files.isDirectory(cur)) throw new IOException("'" + base.relativize(cur) + "' is not a directory");
        }
        return target;
    }

    private InsideDirectories() {}

    /** A directory in the workspace, created if missing; a path leading out of it is an error. */
    public static Path workingDirectory(Path workspace, String wd) throws IOException {
        if (wd == null || wd.isBlank()) return workspace;
        Path p = workspace.resolve(wd).normalize();
        if (!p.startsWith(workspace)) throw new IOException("working directory '" + wd + "' is outside the workspace");
        return create(workspace, p);
    }

    /**
     * A step's {@code working-directory}: relative to the workspace, or absolute, as on GitHub; it must exist (GitHub's
     * runner fails the step: "An error occurred trying to start process ... with working directory"), so a typo is
     * not run in a new empty directory. One inside the workspace may not lead out of it through a link.
     */
    public static Path stepDirectory(Path workspace, String wd) throws IOException {
        Path p = workspace.resolve(wd == null ? "" : wd).normalize();
        if (!Files.isDirectory(p))
            throw new IOException("working directory '" + wd + "' (" + p + ") does not exist"
                    + (Files.exists(p) ? " as a directory" : "") + "; create it in an earlier step");
        if (p.startsWith(workspace)) return workingDirectory(workspace, wd);
        return p;
    }
}
