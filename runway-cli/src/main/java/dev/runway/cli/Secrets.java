package dev.runway.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** Secrets given to `runway run`: a dotenv-style file, then --secret flags (which win). */
final class Secrets {
    static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    static Map<String, String> read(Path file, Map<String, String> flags) {
        Map<String, String> out = new LinkedHashMap<>();
        if (file != null) {
            List<String> lines;
            try {
                lines = Files.readAllLines(file);
            } catch (NoSuchFileException e) {
                throw new CliException("--secret-file: no such file " + file);
            } catch (IOException e) {
                throw new CliException("--secret-file: cannot read " + file + ": " + e.getMessage());
            }
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i).strip();
                if (line.isEmpty() || line.startsWith("#")) continue;
                if (line.startsWith("export ")) line = line.substring(7).strip();
                int eq = line.indexOf('=');
                if (eq <= 0) throw new CliException(file + ":" + (i + 1) + ": expected NAME=VALUE");
                out.put(
                        name(line.substring(0, eq).strip(), file + ":" + (i + 1)),
                        unquote(line.substring(eq + 1).strip()));
            }
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

    private static String unquote(String v) {
        if (v.length() >= 2 && (v.startsWith("\"") && v.endsWith("\"") || v.startsWith("'") && v.endsWith("'")))
            return v.substring(1, v.length() - 1);
        return v;
    }

    private Secrets() {}
}
