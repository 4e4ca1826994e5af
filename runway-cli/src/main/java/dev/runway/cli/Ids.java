package dev.runway.cli;

import dev.runway.protocol.ApiPaths;

/** Ids typed by users go into URL paths: anything that cannot be an id is refused before a request is made. */
final class Ids {
    static String path(String template, String id, String what) {
        if (id == null || !id.matches("[A-Za-z0-9_.-]{1,100}"))
            throw new CliException("no " + what + " with id '" + id + "'");
        return ApiPaths.withId(template, id);
    }

    private Ids() {}
}
