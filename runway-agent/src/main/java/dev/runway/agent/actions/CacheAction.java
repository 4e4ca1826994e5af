package dev.runway.agent.actions;

import dev.runway.agent.client.ServerException;
import dev.runway.agent.exec.Executor;
import dev.runway.agent.exec.JobApi;
import dev.runway.agent.isolation.JobUser;
import dev.runway.protocol.CacheEntry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * The built-in {@code actions/cache} (restore now, save after the job if it succeeded and the key was not an exact
 * hit), {@code actions/cache/restore} and {@code actions/cache/save}. Archives are gzipped tars made by the host's
 * {@code tar}, so permissions and symlinks survive; paths may be relative to the workspace, absolute or start with
 * {@code ~}. The version folds in the paths, so one key with different paths are different caches, as on GitHub.
 */
final class CacheAction {
    static final Set<String> INPUTS = Set.of(
            "key",
            "path",
            "restore-keys",
            "lookup-only",
            "fail-on-cache-miss",
            "enableCrossOsArchive",
            "upload-chunk-size",
            "save-always");
    static final long TAR_TIMEOUT_MINUTES = 30;

    private final Map<String, String> with;
    private final Map<String, String> env;
    private boolean exactHit;

    CacheAction(Map<String, String> with, Map<String, String> env) {
        this.with = with;
        this.env = env;
        for (String k : with.keySet()) {
            if (!INPUTS.contains(k))
                throw new IllegalArgumentException("actions/cache: unknown input '" + k + "' (known: "
                        + String.join(", ", new TreeSet<>(INPUTS)) + ")");
        }
        if (key().isEmpty()) throw new IllegalArgumentException("actions/cache: 'key' is required");
        if (paths().isEmpty()) throw new IllegalArgumentException("actions/cache: 'path' is required");
    }

    private String key() {
        return with.getOrDefault("key", "").strip();
    }

    private List<String> paths() {
        return with.getOrDefault("path", "")
                .lines()
                .map(String::strip)
                .filter(s -> !s.isEmpty())
                .toList();
    }

    String version() {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256")
                    .digest((String.join("\n", paths()) + "|gzip|runway-1").getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    Map<String, String> restore(Path workspace, JobApi api, Executor.Output out)
            throws IOException, InterruptedException {
        List<String> restoreKeys = with.getOrDefault("restore-keys", "")
                .lines()
                .map(String::strip)
                .filter(s -> !s.isEmpty())
                .toList();
        Optional<CacheEntry> hit = api.cacheLookup(key(), restoreKeys, version());
        Map<String, String> outputs = new LinkedHashMap<>();
        outputs.put("cache-primary-key", key());
        if (hit.isEmpty()) {
            if ("true".equals(with.getOrDefault("fail-on-cache-miss", "false").strip()))
                throw new IllegalArgumentException("Failed to restore cache entry: no cache for key '" + key()
                        + "' or restore keys " + restoreKeys);
            out.line("Cache not found for input keys: " + String.join(", ", concat(key(), restoreKeys)));
            outputs.put("cache-hit", "false");
            return outputs;
        }
        CacheEntry e = hit.get();
        exactHit = e.key().equals(key());
        outputs.put("cache-hit", Boolean.toString(exactHit));
        outputs.put("cache-matched-key", e.key());
        if ("true".equals(with.getOrDefault("lookup-only", "false").strip())) {
            out.line("Cache found for key '" + e.key() + "' (lookup only, not restored)");
            return outputs;
        }
        Path archive = Files.createTempFile(workspace.getParent(), ".cache-", ".tgz");
        try {
            api.cacheDownload(e.key(), e.version(), archive);
            JobUser user = JobUser.ownerOf(workspace);
            if (user == null) tar(workspace, List.of("-xzf", archive.toString(), "-P"));
            else {
                refuseLinksOut(workspace, archive);
                asJob(user, workspace, List.of("-xzf", "-"), archive, true);
            }
            out.line("Cache restored from key: " + e.key() + " (" + e.size() + " bytes)");
        } finally {
            Files.deleteIfExists(archive);
        }
        return outputs;
    }

    /** After the job: save unless the key was an exact hit. */
    Map<String, String> save(Path workspace, JobApi api, Executor.Output out) throws IOException, InterruptedException {
        if (exactHit) {
            out.line("Cache hit occurred on the primary key " + key() + ", not saving cache.");
            return Map.of();
        }
        List<String> existing = new ArrayList<>();
        JobUser user = JobUser.ownerOf(workspace);
        for (String p : paths()) {
            Path abs = resolve(workspace, p);
            if (user != null && Files.exists(abs) && !ArtifactActions.inside(workspace, abs)) {
                out.line("Warning: cache path '" + p + "' lies outside the workspace (or leads out of it through a"
                        + " link); a sandboxed job caches only files of its workspace, so it is left out");
                continue;
            }
            if (Files.exists(abs))
                existing.add(
                        abs.startsWith(workspace) ? workspace.relativize(abs).toString() : abs.toString());
        }
        if (existing.isEmpty()) {
            out.line("Warning: Path Validation Error: Path(s) specified in the action for caching do(es) not exist,"
                    + " hence no cache is being saved.");
            return Map.of();
        }
        Path archive = Files.createTempFile(workspace.getParent(), ".cache-", ".tgz");
        try {
            if (user == null) {
                List<String> args = new ArrayList<>(List.of("-czf", archive.toString(), "-P"));
                args.add("--");
                args.addAll(existing);
                tar(workspace, args);
            } else {
                List<String> args = new ArrayList<>(List.of("-czf", "-", "--"));
                args.addAll(existing);
                asJob(user, workspace, args, archive, false);
            }
            try {
                CacheEntry e = api.cacheSave(key(), version(), archive);
                out.line("Cache saved with key: " + e.key() + " (" + e.size() + " bytes)");
            } catch (ServerException e) {
                if (e.status() != 409) throw e;
                out.line("Warning: cache not saved: " + e.getMessage());
            }
        } finally {
            Files.deleteIfExists(archive);
        }
        return Map.of();
    }

    boolean saveAlways() {
        return "true".equals(with.getOrDefault("save-always", "false").strip());
    }

    private Path resolve(Path workspace, String p) {
        String home = env.getOrDefault("HOME", System.getProperty("user.home"));
        if (p.equals("~")) return Path.of(home);
        if (p.startsWith("~/")) return Path.of(home).resolve(p.substring(2)).normalize();
        return workspace.resolve(p).normalize();
    }

    private static void tar(Path workspace, List<String> args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("tar", "-C", workspace.toString()));
        cmd.addAll(args);
        Path log = Files.createTempFile(workspace.getParent(), ".tar-", ".log");
        try {
            finish(new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()), log);
        } finally {
            Files.deleteIfExists(log);
        }
    }

    /** Runs tar to its end within the timeout; its messages are in {@code log}. */
    private static void finish(ProcessBuilder tar, Path log) throws IOException, InterruptedException {
        Process p = tar.start();
        if (!p.waitFor(TAR_TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IOException("tar took longer than " + TAR_TIMEOUT_MINUTES + " minutes");
        }
        if (p.exitValue() != 0)
            throw new IOException("tar failed (" + p.exitValue() + "): "
                    + Files.readString(log).strip());
    }

    /**
     * tar follows a link that is already in the workspace when it extracts a member below it: a job's {@code ln -s
     * /tmp t} and a cached {@code t/x} would write {@code /tmp/x} on the host (any place the job user may write,
     * other jobs' included). A restore whose members pass through such a link is refused (found by review); links
     * the archive itself makes are safe, as tar creates those that leave the directory only at the end.
     */
    static void refuseLinksOut(Path workspace, Path archive) throws IOException, InterruptedException {
        Path log = Files.createTempFile(workspace.getParent(), ".tar-", ".log");
        Path names = Files.createTempFile(workspace.getParent(), ".tar-", ".names");
        try {
            finish(
                    new ProcessBuilder("tar", "--quoting-style=literal", "-tzf", archive.toString())
                            .redirectOutput(names.toFile())
                            .redirectError(log.toFile()),
                    log);
            Path real = workspace.toRealPath();
            Set<Path> checked = new java.util.HashSet<>();
            try (var lines = Files.lines(names, StandardCharsets.UTF_8)) {
                for (String name : (Iterable<String>) lines::iterator) {
                    Path member = Path.of(name.replaceFirst("^/+", "")).normalize();
                    for (Path prefix = member.getParent(); prefix != null; prefix = prefix.getParent()) {
                        if (!checked.add(prefix)) break;
                        Path p = workspace.resolve(prefix);
                        if (Files.isSymbolicLink(p)
                                && !(Files.exists(p) && p.toRealPath().startsWith(real)))
                            throw new IOException("cache entry '" + name + "' would be written through the link '"
                                    + prefix + "', which leads out of the workspace; not restored");
                    }
                }
            }
        } finally {
            Files.deleteIfExists(log);
            Files.deleteIfExists(names);
        }
    }

    /**
     * {@code tar} as the job's unprivileged user (a sandboxed job), in the workspace, the archive on its standard
     * input ({@code restore}) or output: it reads and writes only what that user may, never through a link the
     * job planted into a host file, and names stay relative to the workspace (no {@code -P}).
     */
    private static void asJob(JobUser user, Path workspace, List<String> args, Path archive, boolean restore)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(user.drop());
        cmd.add("tar");
        cmd.addAll(args);
        Path log = Files.createTempFile(workspace.getParent(), ".tar-", ".log");
        try {
            ProcessBuilder pb =
                    new ProcessBuilder(cmd).directory(workspace.toFile()).redirectError(log.toFile());
            if (restore) pb.redirectInput(archive.toFile()).redirectOutput(ProcessBuilder.Redirect.DISCARD);
            else
                pb.redirectOutput(archive.toFile())
                        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            finish(pb, log);
        } finally {
            Files.deleteIfExists(log);
        }
    }

    private static List<String> concat(String first, List<String> rest) {
        List<String> l = new ArrayList<>();
        l.add(first);
        l.addAll(rest);
        return l;
    }
}
