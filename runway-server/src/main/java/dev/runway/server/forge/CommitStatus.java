package dev.runway.server.forge;

/**
 * One commit status as GitHub's and Gitea's status APIs take it: on {@code sha} of {@code repository}
 * ({@code owner/name}), under {@code context} (one per job), its {@code state}, a short description and a link to
 * the job on Runway's dashboard ({@code targetUrl}, null without {@code --public-url}).
 */
public record CommitStatus(
        String repository, String sha, String context, State state, String description, String targetUrl) {
    /** GitHub cuts descriptions at 140 characters and refuses longer ones on some endpoints. */
    static final int MAX_DESCRIPTION = 140;

    public CommitStatus {
        if (description != null && description.length() > MAX_DESCRIPTION)
            description = description.substring(0, MAX_DESCRIPTION - 1) + "…";
    }

    /** The states both APIs know. */
    public enum State {
        PENDING,
        SUCCESS,
        FAILURE,
        ERROR;

        String wire() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** What a later status replaces: the same context on the same commit. */
    record Key(String repository, String sha, String context) {}

    Key key() {
        return new Key(repository, sha, context);
    }
}
