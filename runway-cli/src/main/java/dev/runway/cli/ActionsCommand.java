package dev.runway.cli;

import dev.runway.agent.actions.ActionSources;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
        name = "actions",
        mixinStandardHelpOptions = true,
        description =
                "The local store of actions a runner resolves uses: owner/repo@ref from (<actions-dir>/owner/repo/"
                        + "<ref>/; the agent's --actions-dir).",
        subcommands = {ActionsCommand.Sync.class, ActionsCommand.Ls.class})
final class ActionsCommand implements Callable<Integer> {
    static final String DEFAULT_DIR = ".runway/actions";

    @Option(
            names = "--actions-dir",
            defaultValue = DEFAULT_DIR,
            description = "The local store (default ${DEFAULT-VALUE}, the agent's with its default --data-dir).")
    Path actionsDir;

    @Override
    public Integer call() {
        return Ls.print(actionsDir);
    }

    @Command(
            name = "sync",
            mixinStandardHelpOptions = true,
            description = "Fetch owner/repo@ref from a git URL into the local store (replacing what is there).")
    static final class Sync implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "OWNER/REPO@REF", description = "e.g. actions/setup-foo@v3.")
        String action;

        @Option(
                names = "--from",
                required = true,
                paramLabel = "URL",
                description = "Any git URL that serves the action's repository (https://, ssh, file://, a path).")
        String from;

        @Option(
                names = "--actions-dir",
                defaultValue = DEFAULT_DIR,
                description = "The local store (default ${DEFAULT-VALUE}).")
        Path actionsDir;

        @Override
        public Integer call() throws Exception {
            ActionSources.Ref r;
            try {
                r = ActionSources.parse(action);
            } catch (IllegalArgumentException e) {
                throw new CliException(e.getMessage());
            }
            if (!r.path().isEmpty())
                throw new CliException("'" + action + "': sync a repository (owner/repo@ref), not a path inside it");
            Path target = actionsDir.resolve(r.owner()).resolve(r.repo()).resolve(r.ref());
            Files.createDirectories(target.getParent());
            Path tmp = target.resolveSibling(".tmp-" + target.getFileName() + "-"
                    + ProcessHandle.current().pid());
            String commit;
            try {
                commit = ActionSources.checkout(from, r.ref(), tmp, false);
                Files.writeString(tmp.resolve(ActionSources.SOURCE_FILE), from + "\n" + commit + "\n");
                if (Files.exists(target)) delete(target);
                Files.move(tmp, target);
            } catch (IOException e) {
                throw new CliException("cannot sync " + action + " from " + from + ": " + e.getMessage());
            } finally {
                if (Files.exists(tmp)) delete(tmp);
            }
            System.out.println(r.repository() + "@" + r.ref() + " " + commit + " -> " + target);
            return 0;
        }
    }

    @Command(
            name = "ls",
            mixinStandardHelpOptions = true,
            description = "List the actions in the local store: owner/repo, ref, commit (if synced by runway).")
    static final class Ls implements Callable<Integer> {
        @Option(
                names = "--actions-dir",
                defaultValue = DEFAULT_DIR,
                description = "The local store (default ${DEFAULT-VALUE}).")
        Path actionsDir;

        @Override
        public Integer call() {
            return print(actionsDir);
        }

        static int print(Path dir) {
            List<String[]> rows = new ArrayList<>();
            try {
                for (Path owner : dirs(dir)) {
                    for (Path repo : dirs(owner)) {
                        collect(repo, repo, owner.getFileName() + "/" + repo.getFileName(), rows);
                    }
                }
            } catch (IOException e) {
                throw new CliException("cannot read " + dir + ": " + e.getMessage());
            }
            if (rows.isEmpty()) {
                System.out.println("no actions in " + dir + " (add some with `runway actions sync owner/repo@ref"
                        + " --from URL`)");
                return 0;
            }
            System.out.printf("%-40s %-20s %s%n", "ACTION", "REF", "COMMIT");
            for (String[] row : rows) System.out.printf("%-40s %-20s %s%n", row[0], row[1], row[2]);
            return 0;
        }

        /** A ref may hold slashes (release/v1): a directory is a ref if it has an action file or a source file. */
        private static void collect(Path repo, Path dir, String name, List<String[]> rows) throws IOException {
            for (Path d : dirs(dir)) {
                if (isAction(d)) {
                    String commit = "-";
                    Path src = d.resolve(ActionSources.SOURCE_FILE);
                    if (Files.isRegularFile(src)) {
                        List<String> lines = Files.readAllLines(src);
                        if (lines.size() > 1) commit = lines.get(1).strip();
                    }
                    rows.add(new String[] {name, repo.relativize(d).toString(), commit});
                } else {
                    collect(repo, d, name, rows);
                }
            }
        }

        private static boolean isAction(Path d) {
            return Files.isRegularFile(d.resolve(ActionSources.SOURCE_FILE))
                    || Files.isRegularFile(d.resolve("action.yml"))
                    || Files.isRegularFile(d.resolve("action.yaml"))
                    || Files.isDirectory(d.resolve(".git"));
        }

        private static List<Path> dirs(Path dir) throws IOException {
            if (!Files.isDirectory(dir)) return List.of();
            try (Stream<Path> s = Files.list(dir)) {
                return s.filter(Files::isDirectory)
                        .filter(p -> !p.getFileName().toString().startsWith("."))
                        .sorted()
                        .toList();
            }
        }
    }

    private static void delete(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }
}
