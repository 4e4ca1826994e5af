package dev.runway.server.runs;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.runway.protocol.Json;
import dev.runway.server.store.RunRecord;
import dev.runway.server.store.RunStore;
import dev.runway.workflow.parse.Diagnostic;
import dev.runway.workflow.parse.WorkflowParser;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;

/**
 * Starts workflow runs: parses the workflow, resolves its inputs, stores the run and lets the {@link RunScheduler}
 * queue its first jobs. One way in for {@code POST /api/v1/runs} and for GitHub push webhooks.
 */
public final class RunStarter {
    private final RunStore runs;
    private final RunScheduler scheduler;
    private final GitSource git;
    private final InstantSource clock;

    public RunStarter(RunStore runs, RunScheduler scheduler, GitSource git, InstantSource clock) {
        this.runs = runs;
        this.scheduler = scheduler;
        this.git = git;
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
        // parsed, matrices counted and every limit checked (dev.runway.workflow.Limits) before the store is touched
        // calls of reusable workflows in the same repository are checked against the callee at the same commit
        WorkflowParser.Options parse = repo == null || sha == null
                ? WorkflowParser.Options.DEFAULT
                : WorkflowParser.Options.DEFAULT.withCallees(callee -> sameRepository(repo, sha, callee));
        WorkflowParser.Result parsed = WorkflowParser.parse(path, text, parse);
        if (!parsed.ok()) {
            List<String> errors =
                    parsed.errors().stream().map(Diagnostic::toString).toList();
            throw new Rejected("the workflow has errors:\n  " + String.join("\n  ", errors));
        }
        RunInputs inputs;
        try {
            inputs = RunInputs.resolve(parsed.workflow(), event, given);
            options.check(parsed.workflow());
        } catch (IllegalArgumentException e) {
            throw new Rejected(e.getMessage());
        }
        String name = parsed.workflow().name() != null ? parsed.workflow().name() : path;
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
                        options.equals(RunOptions.NONE) ? null : options.json()),
                clock.millis());
        return scheduler.start(run.id(), parsed);
    }

    /** A local callee ({@code ./.github/workflows/x.yml}) of {@code repo} at {@code sha}; null for any other. */
    private String sameRepository(String repo, String sha, String ref) {
        if (!ref.startsWith("./")) return null;
        try {
            return git.read(repo, sha, ref.substring(2)).text();
        } catch (GitSource.GitException e) {
            return null;
        }
    }
}
