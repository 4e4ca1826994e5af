package dev.runway.cli;

import java.io.IOException;
import java.nio.charset.MalformedInputException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Files of {@code NAME=VALUE} lines, as `runway run --env-file`, {@code --var-file} and {@code --secret-file} read
 * them (the dotenv format of docker compose and act): blank lines and lines starting with {@code #} are skipped, an
 * {@code export } in front is allowed, spaces around the name and the value are dropped. A value may be quoted:
 * {@code '...'} is taken as written, {@code "..."} knows {@code \n}, {@code \t}, {@code \"} and {@code \\}; either
 * may span lines. An unquoted value ends at {@code " #"} (a comment). Anything else is an error at {@code
 * FILE:LINE}.
 */
final class DotEnv {
    /** Names of environment variables, variables and secrets: letters, digits and _, not starting with a digit. */
    static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    /** The largest file read (a dotenv file is a handful of lines; a wrong path may name something huge). */
    static final long MAX_BYTES = 1L << 20;

    /** The file's entries in file order (a name given twice: the last wins); {@code option} names it in errors. */
    static Map<String, String> read(String option, Path file) {
        String text;
        try {
            if (Files.isDirectory(file)) throw new CliException(option + ": " + file + " is a directory, not a file");
            if (Files.size(file) > MAX_BYTES)
                throw new CliException(option + ": " + file + " is larger than " + (MAX_BYTES >> 10) + " KiB");
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new CliException(option + ": no such file " + file);
        } catch (MalformedInputException e) {
            throw new CliException(option + ": " + file + " is not UTF-8 text");
        } catch (IOException e) {
            throw new CliException(option + ": cannot read " + file + ": " + e.getMessage());
        }
        return parse(file.toString(), text);
    }

    /** The entries of {@code text}; {@code where} (the file name) starts every error message. */
    static Map<String, String> parse(String where, String text) {
        Map<String, String> out = new LinkedHashMap<>();
        List<String> lines = text.lines().toList();
        for (int i = 0; i < lines.size(); i++) {
            int lineNo = i + 1;
            String line = lines.get(i).strip();
            if (line.startsWith("\uFEFF")) line = line.substring(1).strip(); // a byte order mark
            if (line.isEmpty() || line.startsWith("#")) continue;
            if (line.startsWith("export ") || line.startsWith("export\t"))
                line = line.substring(7).strip();
            int eq = line.indexOf('=');
            if (eq < 0)
                throw new CliException(where + ":" + lineNo + ": expected NAME=VALUE, not '" + abbreviate(line) + "'");
            String name = line.substring(0, eq).strip();
            if (!NAME.matcher(name).matches())
                throw new CliException(where + ":" + lineNo + ": '" + abbreviate(name)
                        + "' is not a valid name (letters," + " digits and _, not starting with a digit)");
            String rest = line.substring(eq + 1).strip();
            String value;
            if (rest.startsWith("\"") || rest.startsWith("'")) {
                char q = rest.charAt(0);
                StringBuilder v = new StringBuilder();
                String current = rest.substring(1);
                int startLine = lineNo;
                while (true) {
                    int end = closing(current, q);
                    if (end >= 0) {
                        v.append(q == '"' ? unescape(current.substring(0, end)) : current.substring(0, end));
                        String after = current.substring(end + 1).strip();
                        if (!after.isEmpty() && !after.startsWith("#"))
                            throw new CliException(where + ":" + (i + 1) + ": unexpected '" + abbreviate(after)
                                    + "' after the closing quote of " + name);
                        break;
                    }
                    v.append(q == '"' ? unescape(current) : current);
                    if (++i >= lines.size())
                        throw new CliException(
                                where + ":" + startLine + ": the value of " + name + " has no closing " + q);
                    v.append('\n');
                    current = lines.get(i);
                }
                value = v.toString();
            } else {
                int comment = rest.indexOf(" #");
                int tab = rest.indexOf("\t#");
                if (tab >= 0 && (comment < 0 || tab < comment)) comment = tab;
                value = (comment >= 0 ? rest.substring(0, comment) : rest).strip();
            }
            out.put(name, value);
        }
        return out;
    }

    /** Index of the quote closing a value in {@code s}, or -1; in double quotes a backslash escapes the next char. */
    private static int closing(String s, char q) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (q == '"' && c == '\\') {
                i++;
            } else if (c == q) {
                return i;
            }
        }
        return -1;
    }

    private static String unescape(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length()) {
                char n = s.charAt(++i);
                switch (n) {
                    case 'n' -> b.append('\n');
                    case 't' -> b.append('\t');
                    case 'r' -> b.append('\r');
                    case '"', '\\', '$' -> b.append(n);
                    default -> b.append('\\').append(n);
                }
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "...";
    }

    private DotEnv() {}
}
