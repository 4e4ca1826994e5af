package dev.runway.cli;

import dev.runway.agent.actions.ActionSettings;
import dev.runway.agent.actions.ActionSources;
import dev.runway.agent.actions.BuiltinActions;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Option;

/** Where a runner's actions come from and what runs them: the same options for `runway agent` and `runway run`. */
final class ActionOptions {
    @Option(
            names = "--actions-dir",
            description = "Local store of actions, <dir>/owner/repo/<ref>/ (filled by `runway actions sync`), tried"
                    + " first for uses: owner/repo@ref (default <data-dir>/actions).")
    Path actionsDir;

    @Option(
            names = "--actions-git-base",
            split = ",",
            description = "Git base URL an action owner/repo is fetched from as <base>/owner/repo.git (e.g. an"
                    + " internal mirror of github.com); repeatable or comma-separated, tried in order after"
                    + " --actions-dir.")
    List<String> actionsGitBase;

    @Option(
            names = "--node",
            paramLabel = "PATH",
            description = "The Node.js executable that runs JavaScript actions (runs.using: node20...); default: the"
                    + " tool cache's node of the action's major version, else node on PATH.")
    Path node;

    @Option(
            names = "--actions-prefer-sources",
            paramLabel = "ACTION",
            split = ",",
            description = "Built-in actions (e.g. actions/setup-node, or all) to take from --actions-dir or"
                    + " --actions-git-base instead, when those hold them; repeatable or comma-separated.")
    List<String> actionsPreferSources;

    /** The settings these options give, checked; the local store is {@code defaultDir} unless --actions-dir says. */
    ActionSettings settings(Path defaultDir) {
        if (node != null && !java.nio.file.Files.isExecutable(node))
            throw new CliException("--node: " + node + " is not an executable file (give the path of a Node.js"
                    + " binary, e.g. /usr/bin/node)");
        java.util.Set<String> prefer = new java.util.LinkedHashSet<>();
        for (String a : actionsPreferSources == null ? List.<String>of() : actionsPreferSources) {
            String name = a.strip();
            if (name.isEmpty()) continue;
            if (!name.equals(ActionSources.ALL) && !BuiltinActions.builtIn(name))
                throw new CliException("--actions-prefer-sources: '" + name + "' is not a built-in action (use all, or"
                        + " one of " + String.join(", ", BuiltinActions.builtIns()) + ")");
            prefer.add(name);
        }
        return new ActionSettings(
                actionsDir != null ? actionsDir : defaultDir,
                actionsGitBase == null
                        ? List.of()
                        : actionsGitBase.stream()
                                .map(String::strip)
                                .filter(b -> !b.isEmpty())
                                .toList(),
                node,
                prefer);
    }
}
