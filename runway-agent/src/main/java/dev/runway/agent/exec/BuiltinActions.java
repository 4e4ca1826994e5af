package dev.runway.agent.exec;

import dev.runway.protocol.JobSpec;
import dev.runway.protocol.StepSpec;
import java.util.Map;

/**
 * {@code uses:} steps. Runway does not download actions: the ones CI workflows use most are built in and
 * implemented natively; anything else fails the step with a message naming the action and what is supported.
 */
final class BuiltinActions {
    static final String SUPPORTED = "actions/checkout";

    /** The step to run instead of the {@code uses:} step; {@link IllegalArgumentException} if it cannot run. */
    StepSpec resolve(StepSpec step, JobSpec job) {
        if (Checkout.handles(step.uses())) {
            Object g = job.contexts() == null ? null : job.contexts().get("github");
            @SuppressWarnings("unchecked")
            Map<String, Object> github = g instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
            return Checkout.script(step, github);
        }
        throw new IllegalArgumentException("uses: '" + step.uses() + "' is not available on Runway: runners do not"
                + " download actions; built in are " + SUPPORTED + " (run steps work everywhere)");
    }
}
