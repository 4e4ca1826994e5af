package dev.runway.agent.isolation;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;

/**
 * The unprivileged user a root agent runs sandboxed steps as. Before each step it hands the job's own directories
 * (workspace, step files, HOME, RUNNER_TEMP) to that user, as the agent and Docker actions write into them as root.
 * Links are changed, never followed: a job's symlink to a host file cannot make the agent give that file away (and
 * no step runs meanwhile: the sandbox's PID namespace ends with each step).
 */
public final class JobUser {
    private final int uid;
    private final int gid;

    public JobUser(int uid, int gid) {
        this.uid = uid;
        this.gid = gid;
    }

    int uid() {
        return uid;
    }

    int gid() {
        return gid;
    }

    /** Whether this process runs as root (and so can and must drop to another user). */
    public static boolean agentIsRoot() {
        try {
            return ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    /**
     * The unprivileged user {@code workspace} was handed to, when this agent is root and a sandbox runs the job's
     * steps as another user; null otherwise (the agent's own work on the workspace needs no other user then).
     */
    public static JobUser ownerOf(Path workspace) {
        if (!agentIsRoot()) return null;
        try {
            int uid = (Integer) Files.getAttribute(workspace, "unix:uid", LinkOption.NOFOLLOW_LINKS);
            int gid = (Integer) Files.getAttribute(workspace, "unix:gid", LinkOption.NOFOLLOW_LINKS);
            return uid == 0 ? null : new JobUser(uid, gid);
        } catch (IOException e) {
            return null;
        }
    }

    /** {@code setpriv} arguments that run a command as this user with no capabilities and no supplementary groups. */
    public List<String> drop() {
        return List.of(
                HostPrograms.SETPRIV,
                "--reuid=" + uid,
                "--regid=" + gid,
                "--clear-groups",
                "--inh-caps=-all",
                "--bounding-set=-all",
                "--no-new-privs",
                "--");
    }

    /** Gives everything under {@code dirs} (not following links) that is not this user's yet to this user. */
    public void own(List<Path> dirs) throws IOException {
        for (Path dir : dirs) {
            if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) continue;
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) throws IOException {
                    take(d);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) throws IOException {
                    take(f);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path f, IOException e) {
                    return FileVisitResult.CONTINUE; // gone meanwhile
                }
            });
        }
    }

    private void take(Path p) throws IOException {
        if ((Integer) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS) != uid)
            Files.setAttribute(p, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
        if ((Integer) Files.getAttribute(p, "unix:gid", LinkOption.NOFOLLOW_LINKS) != gid)
            Files.setAttribute(p, "unix:gid", gid, LinkOption.NOFOLLOW_LINKS);
    }
}
