package dev.runway.server.forge;

import dev.runway.protocol.JobState;
import dev.runway.server.store.JobRecord;
import dev.runway.server.store.RunRecord;
import dev.runway.server.store.Transition;
import dev.runway.server.store.TransitionListener;
import java.util.Set;
import java.util.function.Function;

/**
 * Reports each workflow job's progress to the forge its repository lives on, as a commit status on the run's
 * commit: pending when queued and while running, then success (succeeded or skipped), failure (failed, timed out) or
 * error (cancelled), with a link to the job on the dashboard. A pull request can thus be gated on Runway's jobs. Only
 * runs of the repositories configured for it are reported; a run without a commit (a file submitted on its own) is
 * not. A pull request's run is reported on the pull request's head commit, where the pull request shows it.
 */
public final class StatusReporter implements TransitionListener {
    private final Function<String, RunRecord> runs;
    private final Function<RunRecord, String> repository;
    private final Function<RunRecord, String> commit;
    private final Set<String> repositories;
    private final String publicUrl;
    private final StatusDelivery delivery;

    StatusReporter(
            Function<String, RunRecord> runs,
            Function<RunRecord, String> repository,
            Function<RunRecord, String> commit,
            Set<String> repositories,
            String publicUrl,
            StatusDelivery delivery) {
        this.runs = runs;
        this.repository = repository;
        this.commit = commit;
        this.repositories = Set.copyOf(repositories);
        this.publicUrl = publicUrl == null ? null : publicUrl.replaceAll("/+$", "");
        this.delivery = delivery;
    }

    /**
     * A reporter sending to {@code api} on its own virtual thread, for the runs of {@code repositories}
     * ({@code owner/name}).
     */
    public static StatusReporter start(
            StatusApi api,
            Set<String> repositories,
            String publicUrl,
            Function<String, RunRecord> runs,
            Function<RunRecord, String> repository,
            Function<RunRecord, String> commit) {
        StatusDelivery d = new StatusDelivery(api::post, System::nanoTime);
        Thread.ofVirtual().name("commit-statuses").start(d::run);
        return new StatusReporter(runs, repository, commit, repositories, publicUrl, d);
    }

    @Override
    public void on(Transition t) {
        if (t.runId() == null || t.from() == t.to()) return;
        RunRecord run = runs.apply(t.runId());
        if (run == null) return;
        String sha = commit.apply(run);
        if (sha == null || sha.isBlank()) return;
        String repo = repository.apply(run);
        if (repo == null || !repositories.contains(repo)) return;
        CommitStatus s = status(run, repo, sha, t.job());
        if (s != null) delivery.offer(s);
    }

    /** The status of a job as it is now. */
    CommitStatus status(RunRecord run, String repo, String sha, JobRecord j) {
        CommitStatus.State state;
        String description;
        switch (j.state()) {
            case QUEUED -> {
                state = CommitStatus.State.PENDING;
                description =
                        j.attempt() == 0 ? "queued" : "queued again: " + orElse(j.reason(), "its runner was lost");
            }
            case RUNNING -> {
                state = CommitStatus.State.PENDING;
                description = "running on " + orElse(j.runnerName(), "a runner");
            }
            case SUCCEEDED -> {
                state = CommitStatus.State.SUCCESS;
                description = "succeeded" + took(j);
            }
            case SKIPPED -> {
                state = CommitStatus.State.SUCCESS;
                description = "skipped" + (j.reason() == null ? "" : ": " + j.reason());
            }
            case FAILED, TIMED_OUT -> {
                state = CommitStatus.State.FAILURE;
                description = orElse(j.reason(), j.state() == JobState.TIMED_OUT ? "timed out" : "failed");
            }
            case CANCELLED -> {
                state = CommitStatus.State.ERROR;
                description = "cancelled" + (j.reason() == null ? "" : ": " + j.reason());
            }
            default -> {
                return null;
            }
        }
        return new CommitStatus(
                repo,
                sha,
                "runway / " + run.name() + " / " + j.name(),
                state,
                description,
                publicUrl == null ? null : publicUrl + "/#/debug/job/" + j.id());
    }

    private static String took(JobRecord j) {
        if (j.startedAt() == null || j.finishedAt() == null) return "";
        return " in " + Math.max(0, (j.finishedAt() - j.startedAt()) / 1000) + " s";
    }

    private static String orElse(String s, String otherwise) {
        return s == null || s.isBlank() ? otherwise : s;
    }

    /** Statuses made but not sent yet. */
    int pending() {
        return delivery.pending();
    }
}
