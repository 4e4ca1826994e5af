package dev.runway.server.runs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runway.protocol.JobState;
import dev.runway.server.store.RunRecord;
import dev.runway.workflow.parse.WorkflowParser;
import org.junit.jupiter.api.Test;

/** A run's workflow is parsed once, however often it is planned or shown; the least recently used go first. */
class ParsedWorkflowsTest {
    static final String WF = "on: push\njobs: {j: {runs-on: x, steps: [{run: echo}]}}\n";

    static RunRecord run(String id) {
        return new RunRecord(
                id,
                1,
                "w",
                "w.yml",
                WF,
                null,
                null,
                null,
                "push",
                "{}",
                JobState.RUNNING,
                null,
                false,
                0,
                null,
                null,
                null,
                null,
                null,
                1,
                null,
                null);
    }

    @Test
    void aRunIsParsedOnceHoweverOftenItIsAskedFor() {
        ParsedWorkflows cache = new ParsedWorkflows();
        RunRecord r = run("r1");
        WorkflowParser.Result first = cache.of(r);
        for (int i = 0; i < 100; i++) assertThat(cache.of(r)).isSameAs(first);
        assertThat(first.ok()).isTrue();
        assertThat(cache.parses()).isEqualTo(1);
    }

    @Test
    void aRunCreatedHereIsNeverParsedAgain() {
        ParsedWorkflows cache = new ParsedWorkflows();
        WorkflowParser.Result atCreation = WorkflowParser.parse("w.yml", WF);
        cache.put("r1", atCreation);
        assertThat(cache.of(run("r1"))).isSameAs(atCreation);
        assertThat(cache.parses()).isZero();
    }

    @Test
    void pastItsCapacityTheLeastRecentlyUsedRunIsParsedAgain() {
        ParsedWorkflows cache = new ParsedWorkflows(2);
        RunRecord a = run("a");
        RunRecord b = run("b");
        RunRecord c = run("c");
        cache.of(a);
        cache.of(b);
        cache.of(a); // a is now more recently used than b
        cache.of(c); // b goes
        assertThat(cache.parses()).isEqualTo(3);
        cache.of(a);
        cache.of(c);
        assertThat(cache.parses()).as("a and c kept").isEqualTo(3);
        cache.of(b);
        assertThat(cache.parses()).isEqualTo(4);
    }

    static String json(Object o) {
        try {
            return dev.runway.protocol.Json.lenient().writeValueAsString(o);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** After a restart (or on another replica) a run's calls expand as when it was created: the callees are kept. */
    @Test
    void aRunParsedAgainHasTheCalleesItWasCreatedWith() {
        String caller = "on: push\njobs:\n  lib: {uses: ./.github/workflows/lib.yml, with: {n: 2}}\n";
        String callee = "on: {workflow_call: {inputs: {n: {type: number}}}}\n"
                + "jobs: {build: {runs-on: x, steps: [{run: echo}]}}\n";
        RunRecord kept = new RunRecord(
                "r1",
                1,
                "w",
                "ci.yml",
                caller,
                "/repo",
                null,
                null,
                "push",
                "{}",
                JobState.RUNNING,
                null,
                false,
                0,
                null,
                null,
                null,
                json(java.util.Map.of("./.github/workflows/lib.yml", callee)),
                null,
                1,
                null,
                null);
        WorkflowParser.Result r = new ParsedWorkflows().of(kept);
        assertThat(r.errors()).isEmpty();
        assertThat(r.workflow().jobs().get("lib").call().callee()).isNotNull();
        assertThat(r.workflow().jobs().get("lib").call().callee().jobs()).containsOnlyKeys("build");
        // a run from before callees were kept: the call is there, its callee is not (the planner fails it)
        RunRecord old = new RunRecord(
                "r2",
                1,
                "w",
                "ci.yml",
                caller,
                "/repo",
                null,
                null,
                "push",
                "{}",
                JobState.RUNNING,
                null,
                false,
                0,
                null,
                null,
                null,
                null,
                null,
                1,
                null,
                null);
        assertThat(new ParsedWorkflows()
                        .of(old)
                        .workflow()
                        .jobs()
                        .get("lib")
                        .call()
                        .callee())
                .isNull();
    }
}
