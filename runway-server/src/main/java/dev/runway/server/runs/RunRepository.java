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

    private RunRepository() {}
}
