package dev.runway.agent.actions;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * Where {@code uses: owner/repo[/path]@ref} actions come from, tried in order: a local store of action checkouts
 * ({@code <dir>/owner/repo/<ref>/}, filled by {@code runway actions sync}), then git base URLs ({@code
 * <base>/owner/repo.git}, as an internal mirror of github.com serves them). Actions fetched with git are cached per
 * runner by commit in {@code <cacheDir>/owner/repo/<commit>/}, so a ref that still points at a cached commit costs
 * one {@code git ls-remote}.
 */
public final class ActionSources {
    public static final ActionSources NONE = new ActionSources(null, List.of(), null);
    /** In {@code --actions-prefer-sources}: every built-in action. */
    public static final String ALL = "all";

    /** How long one git command may take. */
    static final long GIT_TIMEOUT_SECONDS = 120;

    /** The file {@code runway actions sync} leaves in a stored action: its URL and commit. */
    public static final String SOURCE_FILE = ".runway-source";

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,99}");
    private static final Pattern REF = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.+/-]{0,199}");
    private static final Pattern SHA = Pattern.compile("[0-9a-f]{40}");

    private final Path localDir;
    private final List<String> gitBases;
    private final Path cacheDir;
    private final Path node;
    private final java.util.Set<String> preferSources;

    /**
     * @param localDir the local store (may be null or missing)
     * @param gitBases git base URLs, e.g. {@code https://git.example.com/github}
     * @param cacheDir where git-fetched actions are cached (needed when {@code gitBases} is not empty)
     */
    public ActionSources(Path localDir, List<String> gitBases, Path cacheDir) {
        this(localDir, gitBases, cacheDir, null, java.util.Set.of());
    }

    /**
     * @param node the Node.js for JavaScript actions (null: found per action, see {@link NodeRuntime})
     * @param preferSources built-in actions to take from these sources when they have them ({@link #ALL}: every one)
     */
    public ActionSources(
            Path localDir, List<String> gitBases, Path cacheDir, Path node, java.util.Set<String> preferSources) {
        this.node = node;
        this.preferSources = preferSources == null ? java.util.Set.of() : java.util.Set.copyOf(preferSources);
        this.localDir = localDir;
        this.gitBases = gitBases == null
                ? List.of()
                : gitBases.stream()
                        .map(String::strip)
                        .filter(s -> !s.isEmpty())
                        .map(s -> s.endsWith("/") ? s.substring(0, s.length() - 1) : s)
                        .toList();
        this.cacheDir = cacheDir;
    }

    /** Whether there is anywhere to look: a local store that exists, or a git base URL. */
    public boolean configured() {
        return (localDir != null && Files.isDirectory(localDir)) || !gitBases.isEmpty();
    }

    /** The Node.js configured for JavaScript actions, or null. */
    public Path node() {
        return node;
    }

    /** Whether the built-in {@code action} ({@code owner/repo[/path]}) should come from these sources if they have it. */
    public boolean prefersSource(String action) {
        return configured() && (preferSources.contains(ALL) || preferSources.contains(action));
    }

    /** A parsed {@code uses:} reference; {@code path} is empty for the repository's root. */
    public record Ref(String owner, String repo, String path, String ref) {
        public String repository() {
            return owner + "/" + repo;
        }
    }

    /** A resolved action: its directory and where it came from. */
    public record Found(Path dir, String from) {}

    /** Parses {@code owner/repo[/path]@ref}; {@link IllegalArgumentException} for anything unsafe or malformed. */
    public static Ref parse(String uses) {
        int at = uses == null ? -1 : uses.lastIndexOf('@');
        if (at <= 0 || at == uses.length() - 1)
            throw new IllegalArgumentException("'" + uses + "' is not owner/repo[/path]@ref");
        String ref = uses.substring(at + 1);
        String[] parts = uses.substring(0, at).split("/", -1);
        if (parts.length < 2) throw new IllegalArgumentException("'" + uses + "' is not owner/repo[/path]@ref");
        for (String p : parts) {
            if (!NAME.matcher(p).matches() || p.equals(".") || p.equals(".."))
                throw new IllegalArgumentException(
                        "'" + uses + "': '" + p + "' is not a safe name (letters, digits, '.', '_', '-')");
        }
        if (!REF.matcher(ref).matches()
                || ref.contains("..")
                || ref.contains("//")
                || ref.endsWith("/")
                || ref.endsWith(".lock")
                || ref.contains("/."))
            throw new IllegalArgumentException("'" + uses + "': '" + ref + "' is not a safe ref");
        String path = String.join("/", java.util.Arrays.asList(parts).subList(2, parts.length));
        return new Ref(parts[0], parts[1], path, ref);
    }

    /**
     * Finds the action's directory; {@link IllegalArgumentException} naming every place tried and why it did not
     * have the action.
     */
    public Found resolve(String uses) throws InterruptedException {
        Ref r = parse(uses);
        if (!configured())
            throw new IllegalArgumentException("no action sources are configured on this runner: put actions in a"
                    + " local store with `runway actions sync " + r.repository() + "@" + r.ref()
                    + " --from URL` (--actions-dir) or point the runner at a git mirror with --actions-git-base URL"
                    + " (RUNWAY_ACTIONS_GIT_BASE)");
        List<String> tried = new ArrayList<>();
        if (localDir != null) {
            Path dir = localDir.resolve(r.owner()).resolve(r.repo()).resolve(r.ref());
            if (Files.isDirectory(dir)) {
                Path action = r.path().isEmpty() ? dir : dir.resolve(r.path());
                if (Files.isDirectory(action)) return new Found(action, dir.toString());
                tried.add(dir + ": no directory " + r.path());
            } else {
                tried.add("not in " + dir);
            }
        }
        for (String base : gitBases) {
            String url = base + "/" + r.owner() + "/" + r.repo() + ".git";
            try {
                Path dir = fetchCached(url, r);
                Path action = r.path().isEmpty() ? dir : dir.resolve(r.path());
                if (Files.isDirectory(action)) return new Found(action, "git " + url + " (" + dir.getFileName() + ")");
                tried.add("git " + url + ": no directory " + r.path() + " at " + r.ref());
            } catch (IOException e) {
                tried.add("git " + url + ": " + e.getMessage());
            }
        }
        throw new IllegalArgumentException(
                "action " + r.repository() + "@" + r.ref() + " not found; tried: " + String.join("; ", tried));
    }

    private Path fetchCached(String url, Ref r) throws IOException, InterruptedException {
        String commit = commitOf(url, r.ref());
        Path repoCache = cacheDir.resolve(r.owner()).resolve(r.repo());
        Path dir = repoCache.resolve(commit);
        if (Files.isDirectory(dir)) return dir;
        Files.createDirectories(repoCache);
        Path tmp = repoCache.resolve(".tmp-" + commit + "-" + UUID.randomUUID());
        try {
            String fetched = checkout(url, r.ref(), tmp, false);
            if (!fetched.equals(commit))
                throw new IOException("ref " + r.ref() + " moved while fetching (" + commit + " → " + fetched + ")");
            try {
                Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException | AtomicMoveNotSupportedException e) {
                if (!Files.isDirectory(dir)) throw e; // else: another job cached it first
            } catch (IOException e) {
                if (!Files.isDirectory(dir)) throw e;
            }
            return dir;
        } finally {
            if (Files.exists(tmp)) deleteRecursively(tmp);
        }
    }

    /** The commit {@code ref} (a tag, branch or full sha) names at {@code url}. */
    static String commitOf(String url, String ref) throws IOException, InterruptedException {
        if (SHA.matcher(ref).matches()) return ref;
        Git g = git(null, "ls-remote", url, "refs/tags/" + ref, "refs/tags/" + ref + "^{}", "refs/heads/" + ref);
        if (g.exit() != 0) throw new IOException(g.problem());
        String tag = null, peeled = null, head = null;
        for (String line : g.output().lines().toList()) {
            String[] f = line.split("\t");
            if (f.length != 2) continue;
            if (f[1].equals("refs/tags/" + ref + "^{}")) peeled = f[0];
            else if (f[1].equals("refs/tags/" + ref)) tag = f[0];
            else if (f[1].equals("refs/heads/" + ref)) head = f[0];
        }
        String c = peeled != null ? peeled : tag != null ? tag : head;
        if (c == null) throw new IOException("ref " + ref + " not found");
        return c;
    }

    /**
     * Fetches {@code ref} of {@code url} (shallow) and checks it out into {@code target}, which must not exist yet;
     * drops the .git directory unless {@code keepGit}. Returns the commit.
     */
    public static String checkout(String url, String ref, Path target, boolean keepGit)
            throws IOException, InterruptedException {
        if (Files.exists(target)) throw new IOException(target + " exists already");
        Files.createDirectories(target);
        Git g = git(target, "init", "-q");
        if (g.exit() != 0) throw new IOException(g.problem());
        List<String> wants =
                SHA.matcher(ref).matches() ? List.of(ref) : List.of("refs/tags/" + ref, "refs/heads/" + ref);
        String problem = null;
        boolean fetched = false;
        for (String want : wants) {
            g = git(target, "fetch", "-q", "--depth", "1", "--no-tags", url, want);
            if (g.exit() == 0) {
                fetched = true;
                break;
            }
            if (problem == null) problem = g.problem();
        }
        if (!fetched) {
            throw new IOException(
                    problem != null && problem.contains("couldn't find remote ref")
                            ? "ref " + ref + " not found"
                            : problem);
        }
        g = git(target, "checkout", "-q", "--detach", "FETCH_HEAD");
        if (g.exit() != 0) throw new IOException(g.problem());
        g = git(target, "rev-parse", "HEAD");
        if (g.exit() != 0) throw new IOException(g.problem());
        String commit = g.output().strip();
        if (!keepGit) deleteRecursively(target.resolve(".git"));
        return commit;
    }

    private record Git(int exit, String output, String error) {
        String problem() {
            String e = error.strip();
            if (e.isEmpty()) return "git exited with " + exit;
            List<String> lines = e.lines().toList();
            return lines.get(lines.size() - 1).replaceFirst("^(fatal|error): ", "");
        }
    }

    private static Git git(Path dir, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add("git");
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        if (dir != null) pb.directory(dir.toFile());
        pb.environment().put("GIT_TERMINAL_PROMPT", "0");
        pb.environment().put("GIT_ASKPASS", "true");
        Path outFile = Files.createTempFile("runway-git", ".out");
        Path errFile = Files.createTempFile("runway-git", ".err");
        try {
            pb.redirectOutput(outFile.toFile());
            pb.redirectError(errFile.toFile());
            pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            Process p;
            try {
                p = pb.start();
            } catch (IOException e) {
                throw new IOException("cannot run git (is it installed?): " + e.getMessage());
            }
            try {
                if (!p.waitFor(GIT_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new IOException("git " + args[0] + " took longer than " + GIT_TIMEOUT_SECONDS + " s");
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                throw e;
            }
            return new Git(
                    p.exitValue(),
                    Files.readString(outFile, StandardCharsets.UTF_8),
                    Files.readString(errFile, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(outFile);
            Files.deleteIfExists(errFile);
        }
    }

    static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) return;
        try (var s = Files.walk(dir)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }
}
