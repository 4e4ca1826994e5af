package dev.runway.agent.steps;

import java.util.Map;
import java.util.TreeMap;

/**
 * The runner's default variables: {@code GITHUB_*} and {@code RUNNER_*} as the runner set them for a job. GitHub:
 * "you can't overwrite the value of the default environment variables named GITHUB_* and RUNNER_*" — not with
 * {@code env:} at any level nor through {@code GITHUB_ENV}; the runner applies them last. Per-step ones
 * ({@code GITHUB_OUTPUT}, {@code GITHUB_ACTION}, ...) are set by the step loop after the job's and are not here.
 */
public final class DefaultVariables {
    private DefaultVariables() {}

    /** The default variables among {@code env}, the runner's environment for a job before any {@code env:}. */
    public static Map<String, String> of(Map<String, String> env) {
        Map<String, String> d = new TreeMap<>();
        env.forEach((k, v) -> {
            if (k.startsWith("GITHUB_") || k.startsWith("RUNNER_")) d.put(k, v);
        });
        return d;
    }
}
