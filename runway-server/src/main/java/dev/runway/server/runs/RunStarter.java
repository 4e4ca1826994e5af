package dev.runway.server.runs;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.runway.protocol.Json;
import dev.runway.server.store.RunRecord;
import dev.runway.server.store.RunStore;
import dev.runway.server.store.VariableStore;
import dev.runway.workflow.parse.Diagnostic;
import dev.runway.workflow.parse.WorkflowParser;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;

/**
 * Starts workflow runs: parses the workflow, resolves its inputs, stores the run and lets the {@link RunScheduler}
 * queue its first jobs. One way in for {@code POST /api/v1/runs}, GitHub webhooks and schedules.
 */
public final class RunStarter {
    private final RunStore runs;
    private final RunScheduler scheduler;
    private final GitSource git;
    private final Path actionsStore;
    private final Map<String, String> githubRepos;
    private final InstantSource clock;
    /** Where a run's {@code vars} come from (null: none). */
    private final VariableStore variables;

    /**
     * {@code actionsStore} and {@code githubRepos} ({@code --github-repo owner/repo=URL}) are where remote reusable
     * workflows are read from, in that order.
     */
    public RunStarter(
            RunStore runs,
            RunScheduler scheduler,
            GitSource git,
            Path actionsStore,
            Map<String, String> githubRepos,
            VariableStore variables,
            InstantSource clock) {
        this.variables = variables;
        this.runs = runs;
        this.scheduler = scheduler;
        this.git = git;
        this.actionsStore = actionsStore;
        this.githubRepos = githubRepos;
        this.clock = clock;
    }

    /** The workflow or its inputs are wrong; the message says why, for the caller (a 400 over HTTP). */
    public static final class Rejected extends RuntimeException {
        public Rejected(String message) {
            super(message);
        }
    }

    /**
     * Starts a run of the workflow {@code text} (file {@code path} of {@code repo} at {@code sha}): parsed, inputs
     * resolved for {@code event}, stored, and its first jobs queued. {@link Rejected} with the reasons if the workflow
     * or the inputs are wrong, before anything is stored.
     */
    public RunRecord start(
            String path,
            String text,
            String repo,
            String ref,
            String sha,
            String event,
            Map<String, String> given,
            RunOptions options)
            throws JsonProcessingException {
        return start(path, text, repo, ref, sha, event, given, options, Map.of());
    }

    /**
     * The same, with {@code payload} recorded as the run's {@code github.event}: a webhook's delivered payload, or
     * what Runway adds to the one it builds (a scheduled run's {@code schedule}); empty for none.
     */
    public RunRecord start(
            String path,
            String text,
            String repo,
            String ref,
            String sha,
            String event,
            Map<String, String> given,
            RunOptions options,
            Map<String, Object> payload)
            throws JsonProcessingException {
        return start(path, text, repo, ref, sha, event, given, options, payload, Trust.FULL);
    }

    /**
     * What a run's code is trusted with. {@code secretsWithheld}, when not null, says why its jobs are sent no
     * secrets at all, whatever they mention (a pull request from a fork, or by Dependabot); {@code varsWithheld}
     * gives it no {@code vars} either (a fork's pull request: GitHub passes variables to Dependabot's, not to a
     * fork's).
     */
    public record Trust(String secretsWithheld, boolean varsWithheld) {
        public static final Trust FULL = new Trust(null, false);
    }

    /** The same, for a run trusted as {@code trust} says. */
    public RunRecord start(
            String path,
            String text,
            String repo,
            String ref,
            String sha,
            String event,
            Map<String, String> given,
            RunOptions options,
            Map<String, Object> payload,
            Trust trust)
            throws JsonProcessingException {
        // parsed, matrices counted and every limit checked (dev.runway.workflow.Limits) before the store is touched
        // called workflows are read (local ones at the same commit), checked, and kept with the run
        Callees.Reader callees = new Callees(git, actionsStore, githubRepos).reader(repo, sha, options.workingTree());
        WorkflowParser.Result parsed =
                WorkflowParser.parse(path, text, WorkflowParser.Options.DEFAULT.withCallees(callees));
        if (!parsed.ok()) {
            List<String> errors =
                    parsed.errors().stream().map(Diagnostic::toString).toList();
            throw new Rejected("the workflow has errors:\n  " + String.join("\n  ", errors));
        }
        List<String> unread = Callees.unread(parsed.workflow(), callees.failures());
        if (!unread.isEmpty())
            throw new Rejected(
                    "the workflow calls reusable workflows that cannot be read:\n  " + String.join("\n  ", unread));
        RunInputs inputs;
        try {
            inputs = RunInputs.resolve(parsed.workflow(), event, given);
            options.check(parsed.workflow());
        } catch (IllegalArgumentException e) {
            throw new Rejected(e.getMessage());
        }
        String name = parsed.workflow().name() != null ? parsed.workflow().name() : path;
        String eventJson = payload.isEmpty() ? null : Json.lenient().writeValueAsString(payload);
        Map<String, String> vars = variables == null || trust.varsWithheld()
                ? Map.of()
                : variables.forRun(RunRepository.of(repo, eventJson));
        RunRecord run = runs.insert(
                new RunStore.NewRun(
                        name,
                        path,
                        text,
                        repo,
                        ref,
                        sha,
                        inputs.event(),
                        Json.lenient().writeValueAsString(inputs.inputs()),
                        options.equals(RunOptions.NONE) ? null : options.json(),
                        callees.json(),
                        eventJson,
                        vars.isEmpty() ? null : Json.lenient().writeValueAsString(vars),
                        trust.secretsWithheld()),
                clock.millis());
        return scheduler.start(run.id(), parsed);
    }
}
