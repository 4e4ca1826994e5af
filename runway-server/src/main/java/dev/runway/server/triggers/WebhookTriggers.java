package dev.runway.server.triggers;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import dev.runway.protocol.Json;
import dev.runway.server.runs.GitSource;
import dev.runway.server.runs.RunInputs;
import dev.runway.server.runs.RunOptions;
import dev.runway.server.runs.RunStarter;
import dev.runway.server.store.RunRecord;
import dev.runway.workflow.events.PushTrigger;
import dev.runway.workflow.model.Workflow;
import dev.runway.workflow.parse.WorkflowParser;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The runs GitHub's deliveries start, for the repositories configured with {@code --github-repo}, each with the
 * delivered payload as its {@code github.event}:
 *
 * <ul>
 *   <li>{@code push}: each workflow at the pushed commit whose {@code on.push} filters match.
 *   <li>{@code pull_request}: each workflow of the pull request's merge commit ({@code refs/pull/N/merge}, which must
 *       merge the delivered head) whose {@code on.pull_request} filters match ({@link PullRequestTrigger}), with
 *       {@code github.ref} the merge ref and {@code github.sha} the merge commit; and each workflow on the tip of the
 *       base branch whose {@code on.pull_request_target} filters match, with the base branch as {@code github.ref}
 *       and its tip as {@code github.sha}. A {@code pull_request} run of a pull request from a fork (or by
 *       Dependabot) is sent no secrets, and a fork's gets no {@code vars}; a {@code pull_request_target} run, whose
 *       workflow is the base branch's, gets both.
 *       A merged pull request's {@code closed} runs on the branch it was merged into, at its merge commit.
 *   <li>{@code workflow_dispatch}: the named workflow at the named ref, its inputs checked against {@code
 *       on.workflow_dispatch.inputs}.
 * </ul>
 *
 * <p>{@link #check} reads a delivery before it is recorded (so a refused one can be sent again once fixed); {@link
 * #act} starts its runs.
 */
public final class WebhookTriggers {
    private static final Logger log = LoggerFactory.getLogger(WebhookTriggers.class);

    /** A delivery that is not GitHub's shape, or a dispatch that cannot start: the message says why (a 400). */
    public static final class BadPayload extends RuntimeException {
        public BadPayload(String message) {
            super(message);
        }
    }

    /** A delivery checked by {@link #check}, to {@link #act} on once recorded. */
    public sealed interface Delivery permits Ignored, Push, PullRequest, Dispatch {}

    /** A delivery that starts nothing, and why. */
    public record Ignored(String reason) implements Delivery {}

    record Push(String repo, String source, String ref, String after, Set<String> changed, Map<String, Object> payload)
            implements Delivery {}

    /** The parts of a {@code pull_request} delivery the triggers read; {@code headRepo} null for a deleted fork. */
    record PullRequest(
            String repo,
            String source,
            String action,
            long number,
            String baseRef,
            String baseSha,
            String headRef,
            String headSha,
            String headRepo,
            String sender,
            boolean merged,
            String mergeCommitSha,
            Map<String, Object> payload)
            implements Delivery {
        /**
         * Why an {@code on: pull_request} run of this pull request is sent no secrets, or null: GitHub passes none to
         * a workflow triggered from a fork, and treats Dependabot's pull requests the same way.
         */
        String secretsWithheld() {
            if (headRepo == null) return "a pull request from a deleted fork";
            if (fork()) return "a pull request from the fork " + headRepo;
            if ("dependabot[bot]".equals(sender)) return "a pull request by Dependabot";
            return null;
        }

        /** Whether the head is another repository's (or a deleted one's): a fork's pull request. */
        boolean fork() {
            return headRepo == null || !headRepo.equalsIgnoreCase(repo);
        }

        /**
         * What an {@code on: pull_request} run of this pull request is trusted with: a fork's gets neither secrets
         * nor variables, Dependabot's variables but no secrets, as on GitHub.
         */
        RunStarter.Trust trust() {
            String secrets = secretsWithheld();
            return secrets == null ? RunStarter.Trust.FULL : new RunStarter.Trust(secrets, fork());
        }
    }

    record Dispatch(
            String repo,
            String source,
            String workflow,
            String text,
            String ref,
            String sha,
            Map<String, String> inputs,
            Map<String, Object> payload)
            implements Delivery {}

    private final Map<String, String> repos;
    private final GitSource git;
    private final RunStarter runs;

    /** {@code repos}: {@code owner/name} to the git URL (or path) the control plane reads it from. */
    public WebhookTriggers(Map<String, String> repos, GitSource git, RunStarter runs) {
        this.repos = Map.copyOf(repos);
        this.git = git;
        this.runs = runs;
    }

    /**
     * What the delivery of {@code event} asks for, checked: null for an event no trigger acts on.
     *
     * @throws BadPayload naming the field that is not GitHub's shape (or, for a dispatch, why it cannot start)
     */
    public Delivery check(String event, JsonNode p) {
        return switch (event) {
            case "push" -> push(p);
            case "pull_request" -> pullRequest(p);
            case "workflow_dispatch" -> dispatch(p);
            default -> null;
        };
    }

    /** Starts the runs of a checked delivery; the answer for GitHub's delivery log (status, runs, problems). */
    public Map<String, Object> act(Delivery d) {
        return switch (d) {
            case Ignored i -> ignored(i.reason());
            case Push push -> act(push);
            case PullRequest pr -> act(pr);
            case Dispatch dispatch -> act(dispatch);
        };
    }

    // ---- push

    private Delivery push(JsonNode p) {
        String repo = p.path("repository").path("full_name").asText("");
        String source = repos.get(repo);
        if (source == null) return notConfigured(repo);
        String after = p.path("after").asText("");
        if (p.path("deleted").asBoolean(false) || after.matches("0+")) return new Ignored("the ref was deleted");
        if (!after.matches("[0-9a-f]{40,64}")) throw new BadPayload("after: not a commit id");
        String ref = text(p.path("ref"), "ref", 255);
        Set<String> changed = new LinkedHashSet<>();
        for (JsonNode c : p.path("commits")) {
            for (String k : List.of("added", "modified", "removed")) c.path(k).forEach(f -> changed.add(f.asText()));
        }
        return new Push(repo, source, ref, after, changed, map(p));
    }

    private Map<String, Object> act(Push d) {
        Answer answer = new Answer();
        try {
            git.resolve(d.source(), d.after()); // fetches the mirror when the commit is new
        } catch (GitSource.GitException e) {
            return cannotRead(d.repo(), d.after(), d.source(), e);
        }
        startAll(
                d.repo(),
                d.source(),
                d.after(),
                d.ref(),
                "push",
                wf -> PushTrigger.matches(wf, d.ref(), d.changed()),
                d.payload(),
                RunStarter.Trust.FULL,
                answer);
        return answer.json();
    }

    // ---- pull_request and pull_request_target

    private Delivery pullRequest(JsonNode p) {
        String repo = p.path("repository").path("full_name").asText("");
        String source = repos.get(repo);
        if (source == null) return notConfigured(repo);
        String action = text(p.path("action"), "action", 50);
        JsonNode pr = p.path("pull_request");
        if (!pr.isObject()) throw new BadPayload("pull_request: required, an object");
        long number = positive(p.has("number") ? p.path("number") : pr.path("number"), "number");
        JsonNode head = pr.path("head");
        JsonNode base = pr.path("base");
        JsonNode headRepo = head.path("repo");
        if (!headRepo.isMissingNode() && !headRepo.isNull() && !headRepo.isObject())
            throw new BadPayload("pull_request.head.repo: must be an object or null");
        JsonNode merge = pr.path("merge_commit_sha");
        if (!merge.isMissingNode() && !merge.isNull() && !isSha(merge))
            throw new BadPayload("pull_request.merge_commit_sha: must be a commit id or null");
        JsonNode sender = p.path("sender").path("login");
        return new PullRequest(
                repo,
                source,
                action,
                number,
                branch(base.path("ref"), "pull_request.base.ref"),
                sha(base.path("sha"), "pull_request.base.sha"),
                branch(head.path("ref"), "pull_request.head.ref"),
                sha(head.path("sha"), "pull_request.head.sha"),
                headRepo.isObject() ? text(headRepo.path("full_name"), "pull_request.head.repo.full_name", 200) : null,
                sender.isTextual() ? sender.asText() : null,
                pr.path("merged").asBoolean(false),
                merge.isTextual() ? merge.asText() : null,
                map(p));
    }

    private Map<String, Object> act(PullRequest d) {
        Answer answer = new Answer();
        ChangedFiles changed = new ChangedFiles(d);
        // on: pull_request — the workflows of the merge commit, in the merge commit
        try {
            At at = pullRequestCommit(d);
            if (at.why() != null) {
                answer.skipped.put("pull_request", at.why());
            } else {
                RunStarter.Trust trust = d.trust();
                startAll(
                        d.repo(),
                        d.source(),
                        at.sha(),
                        at.ref(),
                        "pull_request",
                        wf -> PullRequestTrigger.matches(
                                wf, "pull_request", d.action(), d.baseRef(), changed.of(wf, "pull_request")),
                        d.payload(),
                        trust,
                        answer);
            }
        } catch (GitSource.GitException e) {
            log.warn("pull request #{} of {}: cannot read its merge commit: {}", d.number(), d.repo(), e.getMessage());
            answer.skipped.put("pull_request", "cannot read the merge commit: " + e.getMessage());
        }
        // on: pull_request_target — the workflows of the base branch, on the base branch, with its secrets
        try {
            String ref = "refs/heads/" + d.baseRef();
            String sha = git.resolve(d.source(), ref).sha();
            startAll(
                    d.repo(),
                    d.source(),
                    sha,
                    ref,
                    "pull_request_target",
                    wf -> PullRequestTrigger.matches(
                            wf, "pull_request_target", d.action(), d.baseRef(), changed.of(wf, "pull_request_target")),
                    d.payload(),
                    RunStarter.Trust.FULL,
                    answer);
        } catch (GitSource.GitException e) {
            answer.skipped.put(
                    "pull_request_target", "cannot read the base branch " + d.baseRef() + ": " + e.getMessage());
        }
        return answer.json();
    }

    /** A commit and ref to run at, or why there is none ({@code why} not null). */
    record At(String sha, String ref, String why) {}

    /**
     * Where an {@code on: pull_request} run runs: the merge commit GitHub keeps at {@code refs/pull/N/merge} (or the
     * delivered {@code merge_commit_sha}) when it merges the delivered head; for a merged pull request's {@code
     * closed}, the merge commit on the branch it was merged into, as on GitHub.
     */
    private At pullRequestCommit(PullRequest d) throws GitSource.GitException {
        if (d.action().equals("closed") && d.merged()) {
            String ref = "refs/heads/" + d.baseRef();
            String sha = d.mergeCommitSha() != null
                    ? git.resolve(d.source(), d.mergeCommitSha()).sha()
                    : git.resolve(d.source(), ref).sha();
            return new At(sha, ref, null);
        }
        String ref = "refs/pull/" + d.number() + "/merge";
        List<String> candidates = new ArrayList<>();
        candidates.add(ref);
        if (d.mergeCommitSha() != null) candidates.add(d.mergeCommitSha());
        for (String c : candidates) {
            String sha;
            try {
                sha = git.resolve(d.source(), c).sha(); // fetches the mirror
            } catch (GitSource.GitException e) {
                continue; // no merge ref (a merge conflict), or not fetched yet
            }
            if (git.parents(d.source(), sha).contains(d.headSha())) return new At(sha, ref, null);
        }
        return new At(
                null,
                null,
                "no merge commit of pull request #" + d.number() + " with its head "
                        + d.headSha().substring(0, 12)
                        + " (" + ref + " is missing or merges an older head: the pull request has a merge conflict,"
                        + " or GitHub has not made the merge commit yet)");
    }

    /** The files a pull request changes, computed once and only for a workflow that filters on paths. */
    private final class ChangedFiles {
        private final PullRequest d;
        private List<String> files;

        ChangedFiles(PullRequest d) {
            this.d = d;
        }

        List<String> of(Workflow wf, String event) {
            if (!PullRequestTrigger.filtersPaths(wf, event)) return List.of();
            if (files == null) {
                try {
                    files = git.changedFiles(d.source(), d.baseSha(), d.headSha());
                } catch (GitSource.GitException e) {
                    log.warn(
                            "pull request #{} of {}: cannot tell the files it changes ({}); its path filters are not"
                                    + " applied",
                            d.number(),
                            d.repo(),
                            e.getMessage());
                    files = List.of();
                }
            }
            return files;
        }
    }

    // ---- workflow_dispatch

    private Delivery dispatch(JsonNode p) {
        String repo = p.path("repository").path("full_name").asText("");
        String source = repos.get(repo);
        if (source == null) return notConfigured(repo);
        String workflow = text(p.path("workflow"), "workflow", 500);
        if (!workflow.startsWith(".github/workflows/")
                || workflow.contains("..")
                || !(workflow.endsWith(".yml") || workflow.endsWith(".yaml")))
            throw new BadPayload("workflow: '" + workflow + "' is not a workflow file under .github/workflows/");
        String ref = text(p.path("ref"), "ref", 255);
        JsonNode in = p.path("inputs");
        if (!in.isMissingNode() && !in.isNull() && !in.isObject())
            throw new BadPayload("inputs: must be an object or null");
        Map<String, String> inputs = new LinkedHashMap<>();
        for (var e : in.properties()) {
            JsonNode v = e.getValue();
            if (v.isNull()) continue;
            if (!v.isValueNode())
                throw new BadPayload("inputs." + e.getKey() + ": must be a string, a number or a boolean");
            inputs.put(e.getKey(), v.asText());
        }
        // read and checked now, so a dispatch refused for its inputs can be sent again once fixed
        GitSource.Read read;
        try {
            read = git.read(source, ref, workflow);
        } catch (GitSource.GitException e) {
            throw new BadPayload(e.getMessage());
        }
        WorkflowParser.Result parsed = WorkflowParser.parse(workflow, read.text());
        if (!parsed.ok())
            throw new BadPayload(workflow + ": " + parsed.errors().getFirst().toString());
        if (!parsed.workflow().on().containsKey("workflow_dispatch"))
            return new Ignored(workflow + " at " + ref + " has no on: workflow_dispatch");
        try {
            RunInputs.resolve(parsed.workflow(), "workflow_dispatch", inputs);
        } catch (IllegalArgumentException e) {
            throw new BadPayload(e.getMessage());
        }
        return new Dispatch(
                repo, source, workflow, read.text(), read.ref() != null ? read.ref() : ref, read.sha(), inputs, map(p));
    }

    private Map<String, Object> act(Dispatch d) {
        Answer answer = new Answer();
        try {
            RunRecord run = runs.start(
                    d.workflow(),
                    d.text(),
                    d.source(),
                    d.ref(),
                    d.sha(),
                    "workflow_dispatch",
                    d.inputs(),
                    RunOptions.NONE,
                    d.payload(),
                    RunStarter.Trust.FULL);
            answer.started.add(run.id());
            log.info("workflow_dispatch of {} {} at {}: started run {}", d.repo(), d.workflow(), d.ref(), run.id());
        } catch (RunStarter.Rejected | JsonProcessingException e) {
            answer.problems.put(d.workflow(), e.getMessage());
        }
        return answer.json();
    }

    // ---- shared

    /** What the delivery log is told: the runs started, the workflows that could not start, what was skipped. */
    private static final class Answer {
        final List<String> started = new ArrayList<>();
        final Map<String, String> problems = new LinkedHashMap<>();
        final Map<String, String> skipped = new LinkedHashMap<>();

        Map<String, Object> json() {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("status", "accepted");
            out.put("runs", started);
            if (!problems.isEmpty()) out.put("problems", problems);
            if (!skipped.isEmpty()) out.put("skipped", skipped);
            return out;
        }
    }

    /** Starts each workflow under {@code .github/workflows} at {@code sha} that {@code matches}. */
    private void startAll(
            String repo,
            String source,
            String sha,
            String ref,
            String event,
            Predicate<Workflow> matches,
            Map<String, Object> payload,
            RunStarter.Trust trust,
            Answer answer) {
        List<String> files;
        try {
            files = git.list(source, sha, ".github/workflows");
        } catch (GitSource.GitException e) {
            answer.skipped.put(event, "cannot list .github/workflows at " + sha + ": " + e.getMessage());
            return;
        }
        for (String file : files) {
            if (!file.endsWith(".yml") && !file.endsWith(".yaml")) continue;
            try {
                String text = git.read(source, sha, file).text();
                WorkflowParser.Result parsed = WorkflowParser.parse(file, text);
                if (!parsed.ok()) {
                    answer.problems.put(file, parsed.errors().getFirst().toString());
                    continue;
                }
                if (!matches.test(parsed.workflow())) continue;
                RunRecord run =
                        runs.start(file, text, source, ref, sha, event, Map.of(), RunOptions.NONE, payload, trust);
                answer.started.add(run.id());
                log.info(
                        "{} of {} {} ({}): started run {} of {}{}",
                        event,
                        repo,
                        ref,
                        sha.substring(0, 12),
                        run.id(),
                        file,
                        trust.secretsWithheld() == null ? "" : ", secrets withheld: " + trust.secretsWithheld());
            } catch (GitSource.GitException | RunStarter.Rejected | JsonProcessingException e) {
                answer.problems.put(file, e.getMessage());
            }
        }
    }

    private static Map<String, Object> cannotRead(String repo, String what, String source, GitSource.GitException e) {
        log.warn("{}: cannot read the workflows of {} from {}: {}", what, repo, source, e.getMessage());
        return Map.of("status", "failed", "reason", "cannot read " + repo + " at " + what + ": " + e.getMessage());
    }

    private static Ignored notConfigured(String repo) {
        return new Ignored("repository '" + repo + "' is not configured (--github-repo)");
    }

    private static Map<String, Object> ignored(String why) {
        return Map.of("status", "ignored", "reason", why);
    }

    private static Map<String, Object> map(JsonNode p) {
        return Json.lenient().convertValue(p, new TypeReference<Map<String, Object>>() {});
    }

    private static boolean isSha(JsonNode n) {
        return n.isTextual() && n.asText().matches("[0-9a-f]{40,64}");
    }

    private static String sha(JsonNode n, String field) {
        if (!isSha(n)) throw new BadPayload(field + ": required, a commit id");
        return n.asText();
    }

    /** A branch name as git takes it after {@code refs/heads/}. */
    private static String branch(JsonNode n, String field) {
        String b = text(n, field, 255);
        if (b.startsWith("-")
                || b.startsWith("/")
                || b.contains("..")
                || b.chars().anyMatch(c -> c < 0x20 || c == ' ' || c == 0x7f))
            throw new BadPayload(field + ": '" + b + "' is not a branch name");
        return b;
    }

    private static long positive(JsonNode n, String field) {
        if (!n.canConvertToExactIntegral() || !n.canConvertToLong() || n.asLong() <= 0)
            throw new BadPayload(field + ": required, a positive whole number");
        return n.asLong();
    }

    private static String text(JsonNode n, String field, int max) {
        if (!n.isTextual() || n.asText().isBlank() || n.asText().length() > max)
            throw new BadPayload(field + ": required, a non-empty string of at most " + max + " characters");
        return n.asText();
    }
}
