package dev.runway.cli;

import java.io.IOException;
import java.nio.charset.MalformedInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;

/**
 * Defaults files of `runway run` (act's {@code .actrc}): {@code ~/.runwayrc} and {@code .runwayrc} in the root of
 * the git repository the command runs in, one option a line ({@code --executor container}, {@code
 * --env-file=.env}; blank lines and {@code #} comments skipped). Their options are put before the command line's,
 * home file first, so the repository's file beats the home one and the command line beats both (an option given
 * twice: the last one counts; a repeatable one such as {@code --secret} adds up). {@code --no-runwayrc} or {@code
 * RUNWAY_NO_RUNWAYRC=1} reads neither. Each line is checked on its own, so a mistake is reported at {@code
 * FILE:LINE}.
 */
final class RunDefaults {
    static final String FILE = ".runwayrc";
    static final String SKIP_FLAG = "--no-runwayrc";
    static final String SKIP_ENV = "RUNWAY_NO_RUNWAYRC";
    /** Larger than any real defaults file; a wrong file is refused before it is read. */
    static final long MAX_BYTES = 64 * 1024;

    /** A defaults file that cannot be used; the message starts with FILE:LINE. */
    static final class Invalid extends RuntimeException {
        Invalid(String m) {
            super(m);
        }
    }

    /**
     * {@code args} with the defaults files' options inserted after {@code run} when the command is `runway run`;
     * otherwise {@code args} as they are.
     */
    static String[] apply(String[] args, Map<String, String> env, Path cwd, Path home) {
        if (args.length == 0 || !args[0].equals("run")) return args;
        for (String a : args) if (a.equals(SKIP_FLAG)) return args;
        if ("1".equals(env.get(SKIP_ENV)) || "true".equals(env.get(SKIP_ENV))) return args;
        List<String> out = new ArrayList<>();
        out.add(args[0]);
        List<Path> files = new ArrayList<>();
        if (home != null) files.add(home.resolve(FILE));
        Path root = repositoryRoot(cwd);
        if (root != null && (home == null || !root.resolve(FILE).equals(home.resolve(FILE))))
            files.add(root.resolve(FILE));
        java.util.Set<String> fromHome = new java.util.HashSet<>();
        for (Path f : files) {
            if (!Files.isRegularFile(f)) continue;
            boolean repository = root != null && f.equals(root.resolve(FILE));
            out.addAll(read(f, repository ? root : null, fromHome));
        }
        out.addAll(List.of(args).subList(1, args.length));
        return out.toArray(String[]::new);
    }

    /**
     * Options a repository's file may not give: they widen what jobs reach on this machine (the container engine,
     * host directories, another uid, a program to run, another data dir). A cloned repository is not trusted to
     * choose them; ~/.runwayrc and the command line may.
     */
    static final java.util.Set<String> NOT_FROM_REPOSITORY = java.util.Set.of(
            "--sandbox-engine-access", "--sandbox-read", "--sandbox-uid", "--node", "--engine", "--data-dir");

    /** Options naming files: in a repository's file, only files inside the repository. */
    static final java.util.Set<String> FILES =
            java.util.Set.of("--secret-file", "--env-file", "--var-file", "--eventpath", "--actions-dir");

    /** Isolation a repository's file may choose, but not change once ~/.runwayrc has chosen it. */
    static final java.util.Set<String> ISOLATION = java.util.Set.of("--executor", "--no-network");

    /** The directory above {@code dir} (or itself) that holds {@code .git}, or null: what git would find, cheaply. */
    static Path repositoryRoot(Path dir) {
        for (Path d = dir.toAbsolutePath().normalize(); d != null; d = d.getParent())
            if (Files.exists(d.resolve(".git"))) return d;
        return null;
    }

    /** The options of one file, each line checked against `runway run`'s options. */
    static List<String> read(Path file) {
        return read(file, null, new java.util.HashSet<>());
    }

    /**
     * The same; {@code repository} is the repository's root when this is its file (null for the home file), and
     * {@code fromHome} the options the home file gave (added to when this is the home file).
     */
    static List<String> read(Path file, Path repository, java.util.Set<String> fromHome) {
        List<String> lines;
        try {
            if (Files.size(file) > MAX_BYTES)
                throw new Invalid(file + ": larger than " + (MAX_BYTES >> 10) + " KiB; is it a defaults file?");
            lines = Files.readAllLines(file);
        } catch (MalformedInputException e) {
            throw new Invalid(file + ": not UTF-8 text");
        } catch (IOException e) {
            throw new Invalid(file + ": cannot read: " + e.getMessage());
        }
        List<String> out = new ArrayList<>();
        CommandLine parser = null; // one for the file: picocli resets it at each parse
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) continue;
            if (parser == null) parser = new CommandLine(new RunCommand());
            String where = file + ":" + (i + 1);
            List<String> tokens = tokens(line, where);
            CommandLine.Model.OptionSpec option = check(parser, tokens, where);
            String name = option.longestName();
            if (repository == null) {
                fromHome.add(name);
            } else {
                if (NOT_FROM_REPOSITORY.contains(name))
                    throw new Invalid(where + ": " + name + " is not taken from a repository's " + FILE + " (it widens"
                            + " what jobs reach on this machine); give it in ~/" + FILE + " or on the command line");
                if (ISOLATION.contains(name) && fromHome.contains(name))
                    throw new Invalid(where + ": " + name + " is set in ~/" + FILE + "; a repository's " + FILE
                            + " may not change it");
                if (FILES.contains(name)) inside(repository, tokens, where, name);
            }
            out.addAll(tokens);
        }
        return out;
    }

    /** {@code --opt}, {@code --opt value} or {@code --opt=value}; a value may be quoted ('...' or "..."). */
    private static List<String> tokens(String line, String where) {
        if (!line.startsWith("-"))
            throw new Invalid(
                    where + ": expected an option of `runway run` (e.g. --executor container), not '" + line + "'");
        int space = -1;
        for (int i = 0; i < line.length(); i++) {
            if (Character.isWhitespace(line.charAt(i))) {
                space = i;
                break;
            }
        }
        if (space < 0) return List.of(line);
        String option = line.substring(0, space);
        String value = line.substring(space).strip();
        if (value.length() >= 2
                && (value.startsWith("\"") && value.endsWith("\"") || value.startsWith("'") && value.endsWith("'")))
            value = value.substring(1, value.length() - 1);
        if (option.contains("=")) throw new Invalid(where + ": one option a line ('" + line + "')");
        return List.of(option, value);
    }

    /** A file a repository's defaults file names must be inside the repository (symbolic links followed). */
    private static void inside(Path repository, List<String> tokens, String where, String name) {
        String value = tokens.size() > 1
                ? tokens.get(1)
                : tokens.get(0).substring(tokens.get(0).indexOf('=') + 1);
        try {
            Path p = Path.of(value).toAbsolutePath().normalize();
            if (Files.exists(p)) p = p.toRealPath();
            if (!p.startsWith(repository.toRealPath()))
                throw new Invalid(where + ": " + name + " names " + value + ", outside the repository; a repository's "
                        + FILE + " may name files inside it only");
        } catch (java.nio.file.InvalidPathException | IOException e) {
            throw new Invalid(where + ": " + name + ": cannot use the path '" + value + "': " + e.getMessage());
        }
    }

    /**
     * Parses the line alone as `runway run` would: an unknown option or a bad value is an error at its line. The
     * option the line gives.
     */
    private static CommandLine.Model.OptionSpec check(CommandLine cl, List<String> tokens, String where) {
        if (tokens.get(0).equals(SKIP_FLAG))
            throw new Invalid(where + ": " + SKIP_FLAG + " belongs on the command line");
        for (String t : tokens) {
            if (t.equals("-h") || t.equals("--help") || t.equals("-V") || t.equals("--version"))
                throw new Invalid(where + ": " + t + " does not belong in a defaults file");
        }
        try {
            CommandLine.ParseResult r = cl.parseArgs(tokens.toArray(String[]::new));
            if (!r.matchedPositionals().isEmpty()
                    || !r.unmatched().isEmpty()
                    || r.matchedOptions().size() != 1)
                throw new Invalid(where + ": one option a line, not '" + String.join(" ", tokens) + "'");
            return r.matchedOptions().get(0);
        } catch (CommandLine.ParameterException e) {
            throw new Invalid(where + ": " + e.getMessage());
        }
    }

    private RunDefaults() {}
}
