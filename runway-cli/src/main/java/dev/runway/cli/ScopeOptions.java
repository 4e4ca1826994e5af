package dev.runway.cli;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine.Option;

/**
 * Where a secret or variable applies: every repository (neither option), one repository ({@code --repo}), or the
 * jobs that deploy to one environment ({@code --env}), which win over both, as on GitHub.
 */
final class ScopeOptions {
    @Option(names = "--repo", paramLabel = "OWNER/NAME", description = "Only this repository's runs.")
    String repo;

    @Option(
            names = "--env",
            paramLabel = "ENVIRONMENT",
            description = "Only jobs that deploy to this environment (environment: in the workflow), once its"
                    + " rules let them start.")
    String env;

    /** {@code ?repo=} or {@code ?env=}, or nothing for every repository. */
    String query() {
        if (repo != null && env != null) throw new CliException("give --repo or --env, not both");
        if (env != null) return "?env=" + URLEncoder.encode(env, StandardCharsets.UTF_8);
        return Scoped.query(repo);
    }

    /** " for owner/name", " for environment E", or nothing. */
    String shown() {
        return env != null ? " for environment " + env : repo != null ? " for " + repo : "";
    }

    /** How a listing shows a stored scope ('' every repository, owner/name, env:name). */
    static String column(String scope) {
        if (scope == null || scope.isEmpty()) return "(all)";
        return scope.startsWith("env:") ? "environment " + scope.substring(4) : scope;
    }
}
