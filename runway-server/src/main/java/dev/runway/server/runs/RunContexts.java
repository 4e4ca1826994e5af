package dev.runway.server.runs;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import dev.runway.protocol.Json;
import dev.runway.server.store.RunRecord;
import dev.runway.workflow.expr.Templates;
import dev.runway.workflow.expr.Value;
import dev.runway.workflow.model.Workflow;
import java.util.LinkedHashMap;
import java.util.Map;

/** The expression contexts the control plane knows for a run's jobs: github, inputs, vars, needs, matrix, strategy. */
final class RunContexts {
    /** GitHub's {@code github} context, as far as a run on Runway has the data. */
    static Value.Obj github(RunRecord run, Workflow wf) {
        Map<String, Object> g = new LinkedHashMap<>();
        String ref = run.ref() == null ? "" : run.ref();
        Map<String, Object> event = event(run, ref);
        String actor = sender(event);
        g.put("event_name", run.event());
        g.put("sha", run.sha() == null ? "" : run.sha());
        g.put("ref", ref);
        g.put("ref_name", refName(ref));
        g.put("ref_type", ref.startsWith("refs/tags/") ? "tag" : "branch");
        String repository = RunRepository.of(run); // a delivery's repository.full_name: whose secrets the run gets
        g.put("repository", repository);
        g.put("repositoryUrl", run.repo() == null ? "" : run.repo());
        g.put("repository_owner", owner(repository));
        g.put("run_id", run.id());
        g.put("run_number", Long.toString(run.number()));
        g.put("run_attempt", Integer.toString(run.attempt()));
        g.put("workflow", run.name());
        g.put("workflow_ref", run.workflowPath());
        g.put("actor", actor);
        g.put("triggering_actor", actor);
        g.put("server_url", "");
        g.put("api_url", "");
        // the pull request's branches, only for the pull request events (empty otherwise, as on GitHub)
        boolean pull = PULL_REQUEST_EVENTS.contains(run.event());
        g.put("head_ref", pull ? branch(event, "head") : "");
        g.put("base_ref", pull ? branch(event, "base") : "");
        g.put("action", "");
        g.put("event", event);
        return Templates.object(g);
    }

    /** The events whose {@code github.head_ref} and {@code github.base_ref} are the pull request's branches. */
    static final java.util.Set<String> PULL_REQUEST_EVENTS = java.util.Set.of("pull_request", "pull_request_target");

    /** {@code pull_request.<side>.ref} of a pull request payload (a branch name), or "". */
    private static String branch(Map<String, Object> event, String side) {
        if (event.get("pull_request") instanceof Map<?, ?> pr
                && pr.get(side) instanceof Map<?, ?> s
                && s.get("ref") instanceof String r) return r;
        return "";
    }

    /** Who caused the event ({@code sender.login} of a delivered payload); {@code runway} for what Runway started. */
    private static String sender(Map<String, Object> event) {
        if (event.get("sender") instanceof Map<?, ?> s && s.get("login") instanceof String login && !login.isBlank())
            return login;
        return "runway";
    }

    /** The commit before a push when there was none (or Runway does not know it), as GitHub writes it. */
    static final String NULL_SHA = "0000000000000000000000000000000000000000";

    /**
     * The event payload ({@code github.event}, the {@code GITHUB_EVENT_PATH} file) as far as Runway knows it: what
     * actions read from a push payload ({@code ref}, {@code before}, {@code after}, {@code repository} with its
     * {@code default_branch}, {@code head_commit}, {@code pusher}, {@code sender}) and a dispatch's {@code inputs}.
     * Runway does not know the commit before the push ({@code before} is all zeros, as for a new branch, so
     * change-detection actions take every file as changed) nor the repository's default branch (the run's branch
     * stands in for it). A payload the run was started with ({@code schedule} for a scheduled run) is added on top.
     * A run a webhook started has the payload GitHub delivered, as it was delivered, instead ({@link #delivered}).
     * A dispatch's {@code inputs} are its checked inputs (defaults filled in) as strings, as on GitHub, where only
     * the {@code inputs} context keeps booleans and numbers.
     */
    static Map<String, Object> event(RunRecord run, String ref) {
        if (delivered(run)) {
            Map<String, Object> event = new LinkedHashMap<>(payload(run));
            if (run.event().equals("workflow_dispatch")) event.put("inputs", eventInputs(run));
            return event;
        }
        Map<String, Object> event = new LinkedHashMap<>();
        if (run.event().equals("workflow_dispatch")) {
            event.put("inputs", eventInputs(run));
            event.put("workflow", run.workflowPath());
        }
        if (!ref.isEmpty()) event.put("ref", ref);
        String repository = repositoryName(run.repo());
        String name = repository.substring(repository.indexOf('/') + 1);
        Map<String, Object> owner = new LinkedHashMap<>();
        owner.put("login", owner(repository));
        owner.put("name", owner(repository));
        Map<String, Object> repo = new LinkedHashMap<>();
        repo.put("name", name);
        repo.put("full_name", repository);
        repo.put("owner", owner);
        repo.put("default_branch", ref.startsWith("refs/heads/") ? refName(ref) : "main");
        repo.put("clone_url", run.repo() == null ? "" : run.repo());
        repo.put("private", true);
        event.put("repository", repo);
        Map<String, Object> actor = Map.of("login", "runway", "name", "runway");
        event.put("sender", actor);
        if (run.event().equals("push")) {
            event.put("before", NULL_SHA);
            event.put("pusher", actor);
            event.put("created", true);
            event.put("deleted", false);
            event.put("forced", false);
        }
        if (run.sha() != null) {
            event.put("after", run.sha());
            event.put("head_commit", Map.of("id", run.sha()));
        }
        event.putAll(payload(run));
        return event;
    }

    /**
     * Whether the run's recorded payload is a delivered one (from a webhook) rather than what Runway adds to the one
     * it builds: every recorded payload but a schedule's.
     */
    static boolean delivered(RunRecord run) {
        return run.eventJson() != null && !run.event().equals("schedule");
    }

    /** The run's inputs as {@code github.event.inputs} has them: every value a string. */
    private static Map<String, Object> eventInputs(RunRecord run) {
        Map<String, Object> out = new LinkedHashMap<>();
        inputs(run).forEach((k, v) -> out.put(k, v == null ? "" : String.valueOf(v)));
        return out;
    }

    /** The contexts at job level (matrix and strategy null before the matrix is expanded). */
    static Value.Obj jobLevel(
            RunRecord run,
            Value.Obj github,
            Value.Obj needs,
            Map<String, Object> matrix,
            Map<String, Object> strategy) {
        return jobLevel(Templates.object(inputs(run)), vars(run), github, needs, matrix, strategy);
    }

    /** The run's {@code vars} context: the variables of its repository and of every repository when it started. */
    static Value.Obj vars(RunRecord run) {
        if (run.varsJson() == null) return new Value.Obj();
        try {
            Map<String, Object> m = Json.lenient().readValue(run.varsJson(), new TypeReference<>() {});
            return m == null ? new Value.Obj() : Templates.object(m);
        } catch (JsonProcessingException e) {
            return new Value.Obj();
        }
    }

    /** The same, with {@code inputs} given (a called workflow's are its call's, not the run's). */
    static Value.Obj jobLevel(
            Value inputs,
            Value.Obj vars,
            Value.Obj github,
            Value.Obj needs,
            Map<String, Object> matrix,
            Map<String, Object> strategy) {
        Value.Obj c = new Value.Obj();
        c.put("github", github);
        c.put("inputs", inputs);
        c.put("vars", vars);
        c.put("secrets", new Value.Obj());
        c.put("needs", needs);
        if (matrix != null) c.put("matrix", Templates.object(matrix));
        if (strategy != null) c.put("strategy", Templates.object(strategy));
        return c;
    }

    static Map<String, Object> inputs(RunRecord run) {
        try {
            Map<String, Object> m = Json.lenient().readValue(run.inputsJson(), new TypeReference<>() {});
            return m == null ? Map.of() : m;
        } catch (JsonProcessingException e) {
            return Map.of();
        }
    }

    /** The payload recorded with the run ({@code eventJson}), or none. */
    static Map<String, Object> payload(RunRecord run) {
        if (run.eventJson() == null) return Map.of();
        try {
            Map<String, Object> m = Json.lenient().readValue(run.eventJson(), new TypeReference<>() {});
            return m == null ? Map.of() : m;
        } catch (JsonProcessingException e) {
            return Map.of();
        }
    }

    /** A ref's short name: the branch or tag name, {@code 42/merge} for {@code refs/pull/42/merge} (as on GitHub). */
    static String refName(String ref) {
        for (String p : new String[] {"refs/heads/", "refs/tags/", "refs/pull/"}) {
            if (ref.startsWith(p)) return ref.substring(p.length());
        }
        return ref;
    }

    /**
     * {@code owner/name}: a local repository's GitHub {@code origin} if it has one, else the last two segments of the
     * git URL or path, without {@code .git}.
     */
    static String repositoryName(String repo) {
        if (repo == null || repo.isBlank()) return "local/workflow";
        String origin = GitHubOrigin.of(repo);
        if (origin != null) return origin;
        String r = repo.strip().replaceAll("/+$", "").replaceAll("\\.git$", "");
        String[] parts = r.split("[/:]");
        if (parts.length >= 2) return parts[parts.length - 2] + "/" + parts[parts.length - 1];
        return "local/" + parts[parts.length - 1];
    }

    private static String owner(String repository) {
        int slash = repository.indexOf('/');
        return slash < 0 ? repository : repository.substring(0, slash);
    }

    private RunContexts() {}
}
