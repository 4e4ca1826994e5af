package dev.runway.agent.actions;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * How a runner finds and runs {@code uses:} actions.
 *
 * @param dir local store of actions ({@code <dir>/owner/repo/<ref>/}), tried first; null: none
 * @param gitBases git base URLs ({@code <base>/owner/repo.git}) tried after the local store
 * @param node the Node.js that runs JavaScript actions; null: the tool cache's (matching the action's {@code
 *     node20}...), else {@code node} on PATH
 * @param preferSources built-in actions (e.g. {@code actions/setup-node}, or {@code all}) that are taken from the
 *     sources above instead, when a source has them
 */
public record ActionSettings(Path dir, List<String> gitBases, Path node, Set<String> preferSources) {
    public static final ActionSettings NONE = new ActionSettings(null, List.of(), null, Set.of());

    public ActionSettings {
        gitBases = gitBases == null ? List.of() : List.copyOf(gitBases);
        preferSources = preferSources == null ? Set.of() : Set.copyOf(preferSources);
    }

    /** With absolute paths: steps run in other directories. */
    public ActionSettings absolute() {
        return new ActionSettings(
                dir == null ? null : dir.toAbsolutePath().normalize(),
                gitBases,
                node == null ? null : node.toAbsolutePath().normalize(),
                preferSources);
    }

    /** The sources, with git-fetched actions cached in {@code cacheDir}. */
    public ActionSources sources(Path cacheDir) {
        return new ActionSources(dir, gitBases, cacheDir, node, preferSources);
    }
}
