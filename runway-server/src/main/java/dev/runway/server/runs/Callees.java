package dev.runway.server.runs;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import dev.runway.protocol.Json;
import dev.runway.workflow.Limits;
import dev.runway.workflow.model.Job;
import dev.runway.workflow.model.Workflow;
import dev.runway.workflow.parse.WorkflowParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where the reusable workflows a run calls come from when it is created. A local reference ({@code
 * ./.github/workflows/x.yml}) is the file of the run's repository at the run's commit (its working tree for
 * {@code runway run}). A remote one ({@code owner/repo/.github/workflows/x.yml@ref}) comes from the same sources as
 * remote actions, tried in order: the local store of actions ({@code <dir>/owner/repo/<ref>/}, as {@code runway
 * actions sync} fills it; {@code <data-dir>/actions} on the server), then the repository's git URL among those the
 * server knows ({@code github.repos}, e.g. an internal mirror). What was read is kept with the run ({@link
 * Reader#json()}), so its calls expand the same after a restart ({@link #options}).
 */
public final class Callees {
    private static final Pattern REMOTE =
            Pattern.compile("([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]+)/(\\.github/workflows/[^/@]+\\.ya?ml)@(\\S+)");
    private static final Pattern SAFE_REF = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.+/-]{0,199}");

    private final GitSource git;
    private final Path actionsDir;
    private final Map<String, String> repos;

    /**
     * @param actionsDir the local store of actions (may be null or missing)
     * @param repos git URL or path by {@code owner/name}
     */
    public Callees(GitSource git, Path actionsDir, Map<String, String> repos) {
        this.git = git;
        this.actionsDir = actionsDir;
        this.repos = repos == null ? Map.of() : repos;
    }

    /** Reads the callees of one run: {@code repo} at {@code sha}, or its working tree. Not thread-safe. */
    public Reader reader(String repo, String sha, boolean workingTree) {
        return new Reader(repo, sha, workingTree);
    }

    /** Answers a parse's questions for callees ({@link WorkflowParser.Options#withCallees}) and keeps the answers. */
    public final class Reader implements Function<String, String> {
        private final String repo;
        private final String sha;
        private final boolean workingTree;
        private final Map<String, String> read = new LinkedHashMap<>();
        private final Map<String, String> why = new LinkedHashMap<>();

        Reader(String repo, String sha, boolean workingTree) {
            this.repo = repo;
            this.sha = sha;
            this.workingTree = workingTree;
        }

        @Override
        public String apply(String ref) {
            if (read.containsKey(ref)) return read.get(ref);
            String text;
            try {
                text = ref.startsWith("./") ? local(ref.substring(2)) : remote(ref);
            } catch (GitSource.GitException | IOException e) {
                why.put(ref, e.getMessage());
                return null;
            }
            read.put(ref, text);
            return text;
        }

        private String local(String path) throws GitSource.GitException, IOException {
            if (repo == null || repo.isBlank())
                throw new GitSource.GitException("the run has no repository to read it from");
            if (workingTree && GitSource.isLocal(repo)) {
                Path root = Path.of(repo).toAbsolutePath().normalize();
                Path file = root.resolve(path).normalize();
                if (!file.startsWith(root) || !Files.isRegularFile(file))
                    throw new GitSource.GitException("no file '" + path + "' in " + root);
                return readFile(file);
            }
            if (sha == null) throw new GitSource.GitException("the run has no commit to read it at");
            return git.read(repo, sha, path).text();
        }

        private String remote(String ref) throws GitSource.GitException, IOException {
            Matcher m = REMOTE.matcher(ref);
            if (!m.matches()) throw new GitSource.GitException("not a reference to a reusable workflow");
            String owner = m.group(1);
            String name = m.group(2);
            String path = m.group(3);
            String at = m.group(4);
            List<String> tried = new ArrayList<>();
            if (actionsDir != null && SAFE_REF.matcher(at).matches() && !at.contains("..")) {
                Path file = actionsDir
                        .resolve(owner)
                        .resolve(name)
                        .resolve(at)
                        .resolve(path)
                        .normalize();
                if (file.startsWith(actionsDir) && Files.isRegularFile(file)) return readFile(file);
                tried.add("not in the local store "
                        + actionsDir.resolve(owner).resolve(name).resolve(at));
            }
            String url = repos.get(owner + "/" + name);
            if (url != null) {
                try {
                    return git.read(url, at, path).text();
                } catch (GitSource.GitException e) {
                    tried.add(url + ": " + e.getMessage());
                }
            } else {
                tried.add("no git URL for " + owner + "/" + name + " (github.repos)");
            }
            throw new GitSource.GitException(String.join("; ", tried));
        }

        /** Why each callee that could not be read was not. */
        public Map<String, String> failures() {
            return why;
        }

        /** What was read, to keep with the run; null when the workflow calls nothing. */
        public String json() {
            if (read.isEmpty()) return null;
            try {
                return Json.lenient().writeValueAsString(read);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private static String readFile(Path file) throws IOException, GitSource.GitException {
        String tooLarge = Limits.fileSize(Files.size(file));
        if (tooLarge != null) throw new GitSource.GitException(tooLarge);
        return Files.readString(file);
    }

    /**
     * The calls of {@code wf}, and of the workflows it calls, whose callee was not read: each as {@code
     * 'reference'} with why when known.
     */
    public static List<String> unread(Workflow wf, Map<String, String> why) {
        List<String> out = new ArrayList<>();
        unread(wf, why, out);
        return out;
    }

    private static void unread(Workflow wf, Map<String, String> why, List<String> out) {
        for (String id : wf.jobOrder()) {
            Job j = wf.jobs().get(id);
            if (j.call() == null) continue;
            if (j.call().callee() == null) {
                String reason = why.get(j.call().uses());
                String line = "jobs." + id + ": cannot read the called workflow '"
                        + j.call().uses() + "'" + (reason == null || reason.isBlank() ? "" : ": " + reason);
                if (!out.contains(line)) out.add(line);
            } else unread(j.call().callee(), why, out);
        }
    }

    /** How to parse a run's workflow again: with the callees kept with it. */
    static WorkflowParser.Options options(String calleesJson) {
        if (calleesJson == null) return WorkflowParser.Options.DEFAULT;
        Map<String, String> texts;
        try {
            texts = Json.lenient().readValue(calleesJson, new TypeReference<Map<String, String>>() {});
        } catch (JsonProcessingException e) {
            texts = Map.of();
        }
        Map<String, String> kept = texts == null ? Map.of() : texts;
        return WorkflowParser.Options.DEFAULT.withCallees(kept::get);
    }
}
