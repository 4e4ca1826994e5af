package dev.runway.server.runs;

import dev.runway.protocol.Json;
import dev.runway.server.store.RunRecord;
import java.util.Map;

/** The repository ({@code owner/name}) a run is of, as its {@code github.repository} says. */
public final class RunRepository {
    /**
     * The delivered payload's {@code repository.full_name} for a run a webhook started, else the name read from the
     * run's repository (its GitHub {@code origin}, or the last two parts of its path or URL).
     */
    public static String of(RunRecord run) {
        return of(run.repo(), run.eventJson());
    }

    /** The same for a run not stored yet: its repository and the payload it starts with (or null). */
    static String of(String repo, String eventJson) {
        if (eventJson != null) {
            try {
                Map<?, ?> event = Json.lenient().readValue(eventJson, Map.class);
                if (event.get("repository") instanceof Map<?, ?> r && r.get("full_name") instanceof String name)
                    return name;
            } catch (java.io.IOException | RuntimeException e) {
                // not a delivered payload: the run's own repository names it
            }
        }
        return RunContexts.repositoryName(repo);
    }

    /**
     * The commit a forge shows the run's results on: for a pull request's run, the pull request's head (its run's own
     * commit is GitHub's merge commit, which no pull request page shows); else the run's commit.
     */
    public static String commit(RunRecord run) {
        if (run.eventJson() != null && RunContexts.PULL_REQUEST_EVENTS.contains(run.event())) {
            try {
                Map<?, ?> event = Json.lenient().readValue(run.eventJson(), Map.class);
                if (event.get("pull_request") instanceof Map<?, ?> pr
                        && pr.get("head") instanceof Map<?, ?> head
                        && head.get("sha") instanceof String sha
                        && !sha.isBlank()) return sha;
            } catch (java.io.IOException | RuntimeException e) {
                // no pull request in the payload: the run's own commit
            }
        }
        return run.sha();
    }

    private RunRepository() {}
}
