package dev.runway.server.runs;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The GitHub repository ({@code owner/name}) a local repository's {@code origin} remote points at, so that
 * {@code github.repository} and its owner are GitHub's under {@code runway run} rather than the directory's name.
 */
final class GitHubOrigin {
    private static final Pattern URL = Pattern.compile(
            "(?i)^(?:(?:https?|ssh|git)://)?(?:[^@/]+@)?(?:www\\.)?github\\.com[:/]+([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]+?)(?:\\.git)?/*$");
    private static final long TTL_NANOS = TimeUnit.SECONDS.toNanos(30);

    private record Known(String name, long at) {}

    private static final Map<String, Known> CACHE = new ConcurrentHashMap<>();

    /** {@code owner/name} from a GitHub remote URL (https, ssh or scp-like), or null for any other URL. */
    static String parse(String url) {
        if (url == null) return null;
        Matcher m = URL.matcher(url.strip());
        return m.matches() ? m.group(1) + "/" + m.group(2) : null;
    }

    /** The GitHub repository of the local repository {@code repo}'s origin; null if it has none (or is not local). */
    static String of(String repo) {
        if (repo == null || !GitSource.isLocal(repo)) return null;
        try {
            if (!Files.isDirectory(Path.of(repo))) return null;
        } catch (InvalidPathException e) {
            return null;
        }
        Known k = CACHE.get(repo);
        if (k == null || System.nanoTime() - k.at() > TTL_NANOS) {
            if (CACHE.size() > 1000) CACHE.clear();
            k = new Known(parse(originUrl(Path.of(repo))), System.nanoTime());
            CACHE.put(repo, k);
        }
        return k.name();
    }

    private static String originUrl(Path repo) {
        try {
            Process p = new ProcessBuilder("git", "-C", repo.toString(), "config", "--get", "remote.origin.url")
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return null;
            }
            return p.exitValue() == 0 && !out.isEmpty() ? out : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private GitHubOrigin() {}
}
