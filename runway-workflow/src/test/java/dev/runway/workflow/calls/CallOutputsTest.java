package dev.runway.workflow.calls;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runway.workflow.expr.Value;
import dev.runway.workflow.model.WorkflowCall;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A call's outputs: expressions over the callee's jobs, its inputs and github. */
class CallOutputsTest {
    @Test
    void outputsAreTheCalleesJobOutputsAndResults() {
        Map<String, String> declared = new LinkedHashMap<>();
        declared.put("file", "${{ jobs.package.outputs.file }}");
        declared.put("both", "${{ jobs.build.result }}/${{ jobs.package.result }}");
        declared.put("from-input", "${{ inputs.target }}-${{ github.ref_name }}");
        declared.put("absent", "${{ jobs.package.outputs.nothing }}");
        declared.put("broken", "${{ fromJSON('not json') }}");
        Map<String, CallOutputs.JobResult> jobs = new LinkedHashMap<>();
        jobs.put("build", new CallOutputs.JobResult("success", Map.of()));
        jobs.put("package", new CallOutputs.JobResult("skipped", Map.of("file", "app.tar")));
        Value.Obj contexts = new Value.Obj()
                .put("inputs", new Value.Obj().put("target", new Value.Str("prod")))
                .put("github", new Value.Obj().put("ref_name", new Value.Str("main")));
        assertThat(CallOutputs.evaluate(new WorkflowCall(Map.of(), Map.of(), declared), jobs, contexts))
                .containsExactly(
                        Map.entry("file", "app.tar"),
                        Map.entry("both", "success/skipped"),
                        Map.entry("from-input", "prod-main"),
                        Map.entry("absent", ""));
    }
}
