package dev.runway.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runway.protocol.JobState;
import dev.runway.server.store.JobRecord;
import dev.runway.server.store.TestJobRecords;
import dev.runway.workflow.parse.WorkflowParser;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The job graph {@code GET /runs/{id}} draws (and the dashboard with it): a callee job needs the jobs of its own
 * call leg; a job that needs a caller needs every job of the call.
 */
class RunGraphTest {
    static JobRecord job(String key, int leg, int total) {
        return TestJobRecords.of(key + "#" + leg, key, JobState.SUCCEEDED, leg, total, null);
    }

    @Test
    void calleeJobsNeedTheirOwnLegsJobsAndTheCallersDependentsNeedThemAll() {
        Map<String, String> files = Map.of("./.github/workflows/lib.yml", """
                on: workflow_call
                jobs:
                  build: {runs-on: x, steps: [{run: make}]}
                  test: {runs-on: x, needs: build, steps: [{run: make test}]}
                """);
        WorkflowParser.Result parsed =
                WorkflowParser.parse("ci.yml", """
                on: push
                jobs:
                  lib:
                    strategy: {matrix: {os: [a, b]}}
                    uses: ./.github/workflows/lib.yml
                  after: {runs-on: x, needs: lib, steps: [{run: echo}]}
                """, WorkflowParser.Options.DEFAULT.withCallees(files::get));
        assertThat(parsed.errors()).isEmpty();
        List<JobRecord> jobs = List.of(
                job("lib[0]/build", 0, 1),
                job("lib[0]/test", 0, 1),
                job("lib[1]/build", 0, 1),
                job("lib[1]/test", 0, 1),
                job("after", 0, 1));
        Map<String, List<String>> graph = RunRoutes.needs(parsed, jobs);
        assertThat(graph.get("lib[0]/build#0")).isEmpty();
        assertThat(graph.get("lib[0]/test#0")).containsExactly("lib[0]/build#0");
        assertThat(graph.get("lib[1]/test#0")).containsExactly("lib[1]/build#0");
        assertThat(graph.get("after#0"))
                .containsExactlyInAnyOrder("lib[0]/build#0", "lib[0]/test#0", "lib[1]/build#0", "lib[1]/test#0");
    }
}
