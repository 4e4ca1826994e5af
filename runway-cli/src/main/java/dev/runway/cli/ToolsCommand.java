package dev.runway.cli;

import dev.runway.agent.tools.ToolCache;
import dev.runway.agent.tools.ToolDiscovery;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.ScopeType;

@Command(
        name = "tools",
        mixinStandardHelpOptions = true,
        description = "The runner's tool cache (RUNNER_TOOL_CACHE), which actions/setup-java, setup-node, setup-go and"
                + " setup-python pick versions from: nothing is downloaded.",
        subcommands = {ToolsCommand.Ls.class, ToolsCommand.Add.class, ToolsCommand.Discover.class})
final class ToolsCommand implements Callable<Integer> {
    @picocli.CommandLine.Mixin
    Location location;

    @Override
    public Integer call() throws IOException {
        return Ls.print(location.cache());
    }

    /**
     * Where the cache is: as `runway agent` finds it. The options are inherited, so they work before the subcommand
     * ({@code runway tools --data-dir D add ...}) as well as after it, and always set this one object.
     */
    static final class Location {
        @Option(
                names = "--tool-cache",
                scope = ScopeType.INHERIT,
                description = "The tool cache directory (default <data-dir>/tool-cache, as `runway agent` uses).")
        Path toolCache;

        @Option(
                names = "--data-dir",
                scope = ScopeType.INHERIT,
                defaultValue = ".runway",
                description = "The agent's data dir (default ${DEFAULT-VALUE}).")
        Path dataDir;

        ToolCache cache() {
            return new ToolCache(toolCache != null ? toolCache : dataDir.resolve("tool-cache"));
        }
    }

    @Command(name = "ls", mixinStandardHelpOptions = true, description = "List the tools and versions in the cache.")
    static final class Ls implements Callable<Integer> {
        @ParentCommand
        ToolsCommand parent;

        @Override
        public Integer call() throws IOException {
            return print(parent.location.cache());
        }

        static int print(ToolCache cache) throws IOException {
            List<ToolCache.Entry> entries = cache.list();
            if (entries.isEmpty()) {
                System.out.println("tool cache " + cache.root() + " is empty: add a tool with `runway tools add java"
                        + " 21 /usr/lib/jvm/...` or let `runway tools discover` (or the agent's first start) find"
                        + " what this host has");
                return 0;
            }
            List<List<String>> rows = new ArrayList<>();
            for (ToolCache.Entry e : entries) {
                String target;
                try {
                    target = e.path().toRealPath().toString();
                } catch (IOException x) {
                    target = "missing: " + x.getMessage();
                }
                rows.add(List.of(e.tool(), e.version(), e.arch(), target));
            }
            System.out.println("tool cache " + cache.root());
            System.out.print(Format.table(List.of("TOOL", "VERSION", "ARCH", "PATH"), rows));
            return 0;
        }
    }

    @Command(
            name = "add",
            mixinStandardHelpOptions = true,
            description = "Add an installed tool (linked, not copied), e.g. `runway tools add java 21.0.3"
                    + " /usr/lib/jvm/temurin-21-jdk-amd64`. Tools: java, node, go, python, maven (others are kept"
                    + " too).")
    static final class Add implements Callable<Integer> {
        @ParentCommand
        ToolsCommand parent;

        @Parameters(index = "0", description = "The tool: java, node, go, python or maven.")
        String tool;

        @Parameters(index = "1", description = "Its version, e.g. 21 or 21.0.3 (setup-java's '21' finds either).")
        String version;

        @Parameters(index = "2", description = "The install directory (the one holding bin/).")
        Path path;

        @Override
        public Integer call() throws IOException {
            ToolCache cache = parent.location.cache();
            ToolCache.Entry e;
            try {
                e = cache.add(tool, version, path);
            } catch (IllegalArgumentException x) {
                throw new CliException(x.getMessage());
            }
            if (!java.nio.file.Files.isDirectory(path.resolve("bin")))
                System.err.println(
                        "warning: " + path + " has no bin/ directory: setup actions put <path>/bin on" + " PATH");
            System.out.println("added " + e.tool() + " " + e.version() + " (" + e.arch() + ") → " + path.toRealPath()
                    + " in " + cache.root());
            return 0;
        }
    }

    @Command(
            name = "discover",
            mixinStandardHelpOptions = true,
            description = "Add what this host has, for tools the cache holds nothing of: JDKs under /usr/lib/jvm,"
                    + " node, go, python3 and mvn on PATH (the agent does this on start).")
    static final class Discover implements Callable<Integer> {
        @ParentCommand
        ToolsCommand parent;

        @Override
        public Integer call() throws IOException {
            ToolCache cache = parent.location.cache();
            List<ToolCache.Entry> found = ToolDiscovery.discover(cache);
            System.out.println(found.isEmpty() ? "nothing new found" : "added " + found.size() + " version(s)");
            return Ls.print(cache);
        }
    }
}
