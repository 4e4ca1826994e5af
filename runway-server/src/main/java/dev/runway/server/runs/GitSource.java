package dev.runway.server.runs;

import dev.runway.workflow.Limits;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Reads a workflow file from a git repository at a ref, with the git command line (the same git users have, with
 * their credential helpers and SSH config). A local repository is read in place; any other URL is mirrored into
 * the data directory once and fetched on each use. Only the file, http(s), ssh and git transports are allowed, so a
 * URL like {@code ext::cmd} cannot run commands.
 */
public final class GitSource {
    /** A problem the user can act on (bad URL, unknown ref, missing file). */
    public static final class GitException extends Exception {
        public GitException(String message) {
            super(message);
        }
    }

    /** The file at a commit: {@code ref} is the full ref name when the ref named a branch or tag, else null. */
    public record Read(String sha, String ref, String text) {}

    static final long TIMEOUT_SECONDS = 120;

    private final Path cacheDir;

    public GitSource(Path cacheDir) {
        this.cacheDir = cacheDir;
    }

    public Read read(String repo, String ref, String path) throws GitException {
        if (path == null || path.isBlank() || path.startsWith("/") || path.contains(".."))
            throw new GitException("workflow: required, a path inside the repository such as .github/workflows/ci.yml");
        return read(repo, ref, path, resolve(repo, ref));
    }

    /**
     * The same at a commit {@link #resolve} already found ({@code at}), without fetching again: several files of one
     * commit read with one fetch.
     */
    public Read read(String repo, String ref, String path, Read at) throws GitException {
        if (path == null || path.isBlank() || path.startsWith("/") || path.contains(".."))
            throw new GitException("workflow: required, a path inside the repository such as .github/workflows/ci.yml");
        String r = ref == null || ref.isBlank() ? "HEAD" : ref.strip();
        Path gitDir = local(repo);
        if (gitDir == null) gitDir = cacheDir.resolve(hash(repo));
        String text;
        String tooLarge;
        try {
            // the size first: a huge file committed as a workflow must not be read into memory
            tooLarge = Limits.fileSize(Long.parseLong(run(gitDir, List.of("cat-file", "-s", at.sha() + ":" + path))
                    .strip()));
            text = tooLarge != null ? null : run(gitDir, List.of("show", at.sha() + ":" + path));
        } catch (GitException | NumberFormatException e) {
            throw new GitException("workflow: no file '" + path + "' in " + repo + " at " + r + " ("
                    + at.sha().substring(0, 12) + ")");
        }
        if (tooLarge != null) throw new GitException(path + ":1:1: error: " + tooLarge);
        return new Read(at.sha(), at.ref(), text);
    }

    /** The commit (and full ref name) {@code ref} names in {@code repo}; {@code text} is null. */
    public Read resolve(String repo, String ref) throws GitException {
        if (repo == null || repo.isBlank()) throw new GitException("repo: required, a git URL or a local path");
        String r = ref == null || ref.isBlank() ? "HEAD" : ref.strip();
        if (r.startsWith("-") || r.contains("..") || r.chars().anyMatch(ch -> ch < 0x20 || ch == ' '))
            throw new GitException("ref: '" + r + "' is not a valid git ref");
        Path gitDir = local(repo);
        if (gitDir == null) gitDir = mirror(repo);
        String sha =
                git(gitDir, "rev-parse", "--verify", "--quiet", r + "^{commit}").strip();
        if (sha.isEmpty()) throw new GitException("ref: '" + r + "' is not a branch, tag or commit of " + repo);
        String full = r.equals("HEAD")
                ? git(gitDir, "symbolic-ref", "--quiet", "HEAD").strip()
                : git(gitDir, "rev-parse", "--symbolic-full-name", r).strip();
        return new Read(sha, full.isEmpty() ? null : full, null);
    }

    /** The files directly in {@code dir} of {@code repo} at commit {@code sha} (after {@link #resolve}). */
    public List<String> list(String repo, String sha, String dir) throws GitException {
        if (!sha.matches("[0-9a-f]{7,64}")) throw new GitException("'" + sha + "' is not a commit id");
        Path gitDir = local(repo);
        if (gitDir == null) gitDir = cacheDir.resolve(hash(repo));
        String out = git(gitDir, "ls-tree", "--name-only", sha + ":" + dir);
        return out.lines().filter(l -> !l.isBlank()).map(l -> dir + "/" + l).toList();
    }

    /** The parents of commit {@code sha} of {@code repo} (after {@link #resolve}), first parent first. */
    public List<String> parents(String repo, String sha) throws GitException {
        if (!sha.matches("[0-9a-f]{7,64}")) throw new GitException("'" + sha + "' is not a commit id");
        String out = git(gitDir(repo), "rev-list", "--parents", "-n", "1", sha);
        List<String> ids = out.isBlank() ? List.of() : List.of(out.strip().split("\\s+"));
        return ids.isEmpty() ? List.of() : ids.subList(1, ids.size());
    }

    /**
     * The paths that {@code to} changes since it left {@code from} (git's three-dot diff, as GitHub compares a pull
     * request's head with its base), both commits of {@code repo} (after {@link #resolve}).
     */
    public List<String> changedFiles(String repo, String from, String to) throws GitException {
        for (String sha : List.of(from, to)) {
            if (!sha.matches("[0-9a-f]{7,64}")) throw new GitException("'" + sha + "' is not a commit id");
        }
        String out = run(gitDir(repo), List.of("diff", "--name-only", "--no-renames", from + "..." + to, "--"));
        return out.lines().filter(l -> !l.isBlank()).toList();
    }

    private Path gitDir(String repo) throws GitException {
        Path gitDir = local(repo);
        return gitDir != null ? gitDir : cacheDir.resolve(hash(repo));
    }

    /** Whether {@code repo} names a directory on this machine rather than a URL. */
    public static boolean isLocal(String repo) {
        return repo != null && !repo.contains("://") && !repo.matches("^[\\w.-]+@[\\w.-]+:.*");
    }

    /** A local repository (work tree or bare) read in place, or null for a URL. */
    private static Path local(String repo) throws GitException {
        if (!isLocal(repo)) return null;
        Path p = Path.of(repo.startsWith("file:") ? repo.substring(5) : repo).toAbsolutePath();
        if (!Files.isDirectory(p)) throw new GitException("repo: no directory " + p);
        return p;
    }

    private Path mirror(String url) throws GitException {
        Path dir = cacheDir.resolve(hash(url));
        try {
            Files.createDirectories(cacheDir);
        } catch (IOException e) {
            throw new GitException("cannot create " + cacheDir + ": " + e.getMessage());
        }
        if (!Files.isDirectory(dir)) {
            run(cacheDir, List.of("clone", "--mirror", "--quiet", "--", url, dir.toString()));
        } else {
            run(dir, List.of("fetch", "--quiet", "--prune", "origin"));
        }
        return dir;
    }

    /** Runs git and returns stdout, or "" when git exits non-zero with nothing on stderr (e.g. --quiet lookups). */
    private static String git(Path dir, String... args) throws GitException {
        try {
            return run(dir, List.of(args));
        } catch (GitException e) {
            if (e.getMessage().isEmpty()) return "";
            throw e;
        }
    }

    private static String run(Path dir, List<String> args) throws GitException {
        List<String> cmd = new ArrayList<>(List.of("git", "-c", "core.quotePath=false"));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile());
        pb.environment().put("GIT_ALLOW_PROTOCOL", "file:git:http:https:ssh");
        pb.environment().put("GIT_TERMINAL_PROMPT", "0");
        try {
            Path err = Files.createTempFile("runway-git", ".err");
            try {
                pb.redirectError(err.toFile());
                Process p = pb.start();
                p.getOutputStream().close();
                byte[] out = p.getInputStream().readAllBytes();
                if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new GitException("git " + args.get(0) + " took longer than " + TIMEOUT_SECONDS + " s");
                }
                if (p.exitValue() != 0)
                    throw new GitException(Files.readString(err).strip());
                return new String(out, StandardCharsets.UTF_8);
            } finally {
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            throw new GitException("cannot run git (is it installed?): " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GitException("interrupted");
        }
    }

    private static String hash(String s) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
