package dev.runway.agent.client;

/** The control plane answered with an error status. {@code body} is the raw answer (e.g. a LogAppendResponse on 409). */
public final class ServerException extends RuntimeException {
    private final int status;
    private final String code;
    private final String body;

    public ServerException(int status, String code, String message, String body) {
        super("HTTP " + status + (code == null ? "" : " " + code) + ": " + message);
        this.status = status;
        this.code = code;
        this.body = body;
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    public String body() {
        return body;
    }

    public boolean stale() {
        return status == 409 && "stale_attempt".equals(code);
    }

    public boolean unauthorized() {
        return status == 401;
    }

    /** Worth retrying: the server (or a proxy) is overloaded or restarting. */
    public boolean transientFailure() {
        return status >= 500 || status == 429 || status == 408;
    }
}
