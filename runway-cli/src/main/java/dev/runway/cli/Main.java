package dev.runway.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The `runway` command. */
@Command(
        name = "runway",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Self-hosted CI runner platform: control plane, runner agent and client in one command.")
public final class Main implements Runnable {
    /**
     * The subcommands, in the order {@code runway --help} lists them. Added to the command line by {@link
     * #commandLine(ConfigDefaults, String[])}: all of them, or only the one a command line names, since building
     * picocli's model of every command (reflection over some 80 classes) is most of a short command's start.
     */
    static final List<Class<?>> SUBCOMMANDS = List.of(
            ServerCommand.class,
            AgentCommand.class,
            UpCommand.class,
            StatusCommand.class,
            SubmitCommand.class,
            LogsCommand.class,
            JobsCommand.class,
            RunCommand.class,
            RunsCommand.class,
            ArtifactsCommand.class,
            RunnersCommand.class,
            ScalerCommand.class,
            PoolsCommand.class,
            AgentStandbyCommand.class,
            TokenCommand.class,
            SecretsCommand.class,
            VarsCommand.class,
            EnvsCommand.class,
            AuditCommand.class,
            AdminCommand.class,
            ValidateCommand.class,
            ToolsCommand.class,
            ActionsCommand.class,
            CompletionCommand.class,
            CommandLine.HelpCommand.class);

    /** Commands that need the whole command tree: help and the completion script. */
    private static final java.util.Set<String> WHOLE_TREE = java.util.Set.of("help", "completion");

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(execute(args, System.getenv()));
    }

    static int execute(String[] args, Map<String, String> env) {
        try {
            String home = System.getProperty("user.home");
            args = RunDefaults.apply(args, env, Path.of(""), home == null || home.isEmpty() ? null : Path.of(home));
        } catch (RunDefaults.Invalid e) {
            System.err.println("runway: " + e.getMessage());
            return 2;
        }
        ConfigDefaults defaults;
        try {
            defaults = new ConfigDefaults(env, configPath(args, env));
        } catch (ConfigDefaults.ConfigError e) {
            System.err.println("runway: " + e.getMessage());
            return 2;
        }
        CommandLine cl = commandLine(defaults, args);
        return cl.execute(args);
    }

    static CommandLine commandLine(ConfigDefaults defaults) {
        return commandLine(defaults, new String[0]);
    }

    /** The command line for {@code args}: with only the subcommand they name, when they name one, else all. */
    static CommandLine commandLine(ConfigDefaults defaults, String[] args) {
        CommandLine cl = new CommandLine(new Main());
        String first = args.length > 0 ? args[0] : "";
        Class<?> only = WHOLE_TREE.contains(first)
                ? null
                : SUBCOMMANDS.stream()
                        .filter(c -> c.getAnnotation(CommandLine.Command.class)
                                .name()
                                .equals(first))
                        .findFirst()
                        .orElse(null);
        for (Class<?> c : only == null ? SUBCOMMANDS : List.of(only)) cl.addSubcommand(c);
        cl.setDefaultValueProvider(defaults);
        // `runway run`: the defaults files' options come first (RunDefaults); a later one replaces an earlier one
        CommandLine run = cl.getSubcommands().get("run");
        if (run != null) run.setOverwrittenOptionsAllowed(true);
        cl.setExecutionStrategy(parseResult -> {
            CommandLine.ParseResult leaf = parseResult;
            while (leaf.hasSubcommand()) leaf = leaf.subcommand();
            if (defaults.configPath() != null) defaults.checkKeys(leaf.commandSpec());
            for (CommandLine.Model.CommandSpec mixin :
                    leaf.commandSpec().mixins().values()) {
                if (mixin.userObject() instanceof LogOptions logging)
                    logging.apply(leaf.commandSpec().commandLine());
            }
            return new CommandLine.RunLast().execute(parseResult);
        });
        cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (e instanceof CliException || e instanceof ConfigDefaults.ConfigError) {
                commandLine.getErr().println("runway: " + e.getMessage());
                return 1;
            }
            commandLine.getErr().println("runway: unexpected error: " + e);
            return 1;
        });
        return cl;
    }

    /** {@code --config FILE} may be anywhere on the line; it must be known before the other options are resolved. */
    static Path configPath(String[] args, Map<String, String> env) {
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--config") && i + 1 < args.length) return Path.of(args[i + 1]);
            if (args[i].startsWith("--config=")) return Path.of(args[i].substring("--config=".length()));
        }
        String e = env.get("RUNWAY_CONFIG");
        return e == null || e.isBlank() ? null : Path.of(e);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"runway " + (v == null ? "0.1.0-SNAPSHOT" : v) + " (Java " + Runtime.version() + ")"};
        }
    }
}
