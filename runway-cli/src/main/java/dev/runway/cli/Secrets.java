package dev.runway.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/** Secrets given to `runway run`: a dotenv file ({@link DotEnv}), then --secret flags (which win). */
final class Secrets {
    static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    static Map<String, String> read(Path file, Map<String, String> flags) {
        Map<String, String> out = new LinkedHashMap<>();
        if (file != null) {
            DotEnv.read("--secret-file", file).forEach((k, v) -> out.put(name(k, "--secret-file " + file), v));
        }
        flags.forEach((k, v) -> out.put(name(k.strip(), "--secret"), v));
        return out;
    }

    private static String name(String n, String where) {
        if (!NAME.matcher(n).matches())
            throw new CliException(where + ": '" + n + "' is not a valid secret name (letters, digits and _, not"
                    + " starting with a digit)");
        if (n.toUpperCase(java.util.Locale.ROOT).startsWith("GITHUB_"))
            throw new CliException(where + ": secret names must not start with GITHUB_ ('" + n + "')");
        return n;
    }

    private Secrets() {}
}
