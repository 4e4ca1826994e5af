package dev.runway.workflow.calls;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runway.workflow.parse.WorkflowParser;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Keys of callee jobs read one way only: a call's own jobs are within it, another job's never. */
class JobKeysTest {
    @Test
    void keysWithinACall() {
        assertThat(JobKeys.within("lib", "lib")).isTrue();
        assertThat(JobKeys.within("lib", "lib/build")).isTrue();
        assertThat(JobKeys.within("lib", "lib[1]/build")).isTrue();
        assertThat(JobKeys.within("lib", "lib[1]")).isTrue();
        assertThat(JobKeys.within("lib", "library")).isFalse();
        assertThat(JobKeys.within("lib", "lib-2/build")).isFalse();
        assertThat(JobKeys.within("lib", null)).isFalse();
        assertThat(JobKeys.inLeg("lib[1]", "lib[1]/build")).isTrue();
        assertThat(JobKeys.inLeg("lib[1]", "lib[10]/build")).isFalse();
        assertThat(JobKeys.inLeg("lib", "lib/a/b")).isTrue();
    }

    @Test
    void aKeyFindsItsJobThroughNestedCalls() {
        Map<String, String> files = Map.of(
                "./.github/workflows/outer.yml",
                "on: workflow_call\njobs:\n  deeper: {uses: ./.github/workflows/inner.yml}\n",
                "./.github/workflows/inner.yml",
                "on: workflow_call\njobs:\n  leaf: {runs-on: x, needs: [], steps: [{run: echo}]}\n"
                        + "  after: {runs-on: x, needs: leaf, steps: [{run: echo}]}\n");
        var wf = WorkflowParser.parse(
                        "ci.yml",
                        "on: push\njobs:\n  call:\n    strategy: {matrix: {v: [1, 2]}}\n"
                                + "    uses: ./.github/workflows/outer.yml\n",
                        WorkflowParser.Options.DEFAULT.withCallees(files::get))
                .workflow();
        JobKeys.Found f = JobKeys.find(wf, "call[1]/deeper/after");
        assertThat(f).isNotNull();
        assertThat(f.job().id()).isEqualTo("after");
        assertThat(f.prefix()).isEqualTo("call[1]/deeper/");
        assertThat(f.job().needs()).containsExactly("leaf");
        assertThat(JobKeys.find(wf, "call")).isNotNull();
        assertThat(JobKeys.find(wf, "call[1]")).isNull();
        assertThat(JobKeys.find(wf, "call/nope")).isNull();
    }
}
