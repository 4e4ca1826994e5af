package dev.runway.server.http;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.runway.protocol.Annotation;
import dev.runway.protocol.JobState;
import dev.runway.protocol.JobView;
import dev.runway.protocol.Json;
import dev.runway.protocol.RunView;
import dev.runway.protocol.RunnerView;
import dev.runway.protocol.StepResult;
import dev.runway.server.dispatch.WaitReasons;
import dev.runway.server.store.JobRecord;
import dev.runway.server.store.RunRecord;
import dev.runway.server.store.RunnerRecord;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/** Store records to API views. */
final class Views {
    static JobView job(JobRecord j, long logBytes, long now, Supplier<WaitReasons> waits) {
        Long wait = null;
        if (j.startedAt() != null) wait = j.startedAt() - j.queuedAt();
        else if (!j.state().isTerminal()) wait = now - j.queuedAt();
        Long duration = null;
        if (j.startedAt() != null) duration = (j.finishedAt() == null ? now : j.finishedAt()) - j.startedAt();
        return new JobView(
                j.id(),
                j.name(),
                j.state(),
                j.labels(),
                j.attempt(),
                j.maxAttempts(),
                j.runnerId(),
                j.runnerName(),
                Instant.ofEpochMilli(j.createdAt()),
                at(j.startedAt()),
                at(j.finishedAt()),
                wait,
                duration,
                j.reason(),
                j.cancelRequested(),
                logBytes,
                steps(j.stepsJson()),
                j.runId(),
                j.runId() == null ? null : stringMap(j.outputsJson()),
                annotations(j.annotationsJson()),
                j.usage(),
                j.jobKey(),
                j.state() == JobState.QUEUED ? waits.get().why(Set.copyOf(j.labels())) : null,
                j.runAttempt(),
                j.carriedFrom());
    }

    static RunView run(RunRecord r, List<JobView> jobs, long now) {
        return run(r, jobs, null, now, r.attempt());
    }

    /** The run with the jobs of one of its attempts ({@code attempt}, the latest unless an earlier one was asked). */
    static RunView run(RunRecord r, List<JobView> jobs, Map<String, List<String>> needs, long now, int attempt) {
        Map<String, Object> inputs;
        try {
            inputs = Json.lenient().readValue(r.inputsJson(), new TypeReference<Map<String, Object>>() {});
        } catch (IOException e) {
            inputs = Map.of();
        }
        Long duration =
                r.state() == JobState.QUEUED ? null : (r.finishedAt() == null ? now : r.finishedAt()) - r.createdAt();
        return new RunView(
                r.id(),
                r.number(),
                r.name(),
                r.workflowPath(),
                r.repo(),
                r.ref(),
                r.sha(),
                r.event(),
                inputs,
                r.state(),
                r.reason(),
                Instant.ofEpochMilli(r.createdAt()),
                at(r.finishedAt()),
                duration,
                jobs,
                needs,
                attempt);
    }

    private static List<Annotation> annotations(String json) {
        if (json == null) return List.of();
        try {
            return Json.lenient().readValue(json, new TypeReference<List<Annotation>>() {});
        } catch (IOException e) {
            return List.of();
        }
    }

    private static Map<String, String> stringMap(String json) {
        if (json == null) return Map.of();
        try {
            return Json.lenient().readValue(json, new TypeReference<Map<String, String>>() {});
        } catch (IOException e) {
            return Map.of();
        }
    }

    static RunnerView runner(RunnerRecord r, int running, long now, long offlineAfterMillis) {
        String state = r.state(running, now, offlineAfterMillis);
        return new RunnerView(
                r.id(),
                r.name(),
                List.copyOf(r.labels()),
                state,
                r.slots(),
                running,
                r.version(),
                Instant.ofEpochMilli(r.createdAt()),
                Instant.ofEpochMilli(r.lastSeenAt()),
                r.unhealthyReason(),
                r.pool(),
                r.instance(),
                r.variant(),
                r.firstJobAt() == null ? null : Instant.ofEpochMilli(r.firstJobAt()),
                r.resources());
    }

    private static List<StepResult> steps(String json) {
        if (json == null) return List.of();
        try {
            return Json.lenient().readValue(json, new TypeReference<List<StepResult>>() {});
        } catch (IOException e) {
            return List.of();
        }
    }

    private static Instant at(Long millis) {
        return millis == null ? null : Instant.ofEpochMilli(millis);
    }

    private Views() {}
}
