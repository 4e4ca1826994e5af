package dev.runway.server.store;

import dev.runway.protocol.JobState;
import java.util.List;

/** A workflow job's stored record as the run planner reads it, for tests that hand it runs without a database. */
public final class TestJobRecords {
    /** Leg {@code leg} of {@code total} of job {@code key} (id {@code id}) of run r1, in {@code state}. */
    public static JobRecord of(String id, String key, JobState state, int leg, int total, String outputsJson) {
        return new JobRecord(
                id,
                key,
                "{}",
                List.of(),
                state,
                1,
                1,
                60_000,
                null,
                null,
                0,
                0,
                null,
                null,
                null,
                false,
                null,
                "r1",
                key,
                leg,
                total,
                false,
                outputsJson,
                null,
                null,
                1,
                null);
    }

    private TestJobRecords() {}
}
