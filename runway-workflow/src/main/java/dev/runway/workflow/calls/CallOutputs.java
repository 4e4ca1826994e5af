package dev.runway.workflow.calls;

import dev.runway.workflow.expr.ExpressionException;
import dev.runway.workflow.expr.Templates;
import dev.runway.workflow.expr.Value;
import dev.runway.workflow.model.WorkflowCall;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A call's outputs ({@code needs.<caller>.outputs}): each {@code on.workflow_call.outputs.<name>.value} of the
 * callee, evaluated over the callee's jobs ({@code jobs.<id>.result}, {@code jobs.<id>.outputs.<name>}) with its
 * {@code github}, {@code inputs} and {@code vars}. An output whose expression fails is left out, as a job output
 * that cannot be evaluated is.
 */
public final class CallOutputs {
    /** One callee job as its call's outputs see it. */
    public record JobResult(String result, Map<String, ?> outputs) {}

    public static Map<String, String> evaluate(WorkflowCall declared, Map<String, JobResult> jobs, Value.Obj contexts) {
        Map<String, Object> j = new LinkedHashMap<>();
        jobs.forEach((id, r) -> {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("result", r.result());
            o.put("outputs", r.outputs());
            j.put(id, o);
        });
        Value.Obj c = new Value.Obj();
        contexts.entries().forEach(c::put);
        c.put("jobs", Templates.object(j));
        Templates.Scope scope = new Templates.Scope(c);
        Map<String, String> out = new LinkedHashMap<>();
        for (var e : declared.outputs().entrySet()) {
            try {
                out.put(e.getKey(), Templates.render(e.getValue(), scope));
            } catch (ExpressionException ex) {
                // left out
            }
        }
        return out;
    }

    private CallOutputs() {}
}
