package dev.runway.cli;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/** The path of a named entry of every repository or one (secrets, variables), checked before anything is sent. */
final class Scoped {
    /** {@code template}'s {@code {name}} filled in, with {@code ?repo=} when given; {@code kind} names it in errors. */
    static String path(String template, String kind, String name, String repo) {
        if (name == null || !name.matches("[A-Za-z_][A-Za-z0-9_]{0,199}"))
            throw new CliException(kind + " name '" + name + "' is not valid: use letters, digits and _, not starting"
                    + " with a digit (e.g. DEPLOY_KEY)");
        return template.replace("{name}", name) + query(repo);
    }

    /** {@code ?repo=owner/name}, or nothing for every repository. */
    static String query(String repo) {
        return repo == null ? "" : "?repo=" + URLEncoder.encode(repo, StandardCharsets.UTF_8);
    }

    private Scoped() {}
}
