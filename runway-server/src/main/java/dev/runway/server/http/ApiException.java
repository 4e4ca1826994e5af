package dev.runway.server.http;

/** An answer other than 2xx, with the ApiError code and a message the caller can act on. */
public final class ApiException extends RuntimeException {
    private final int status;
    private final String code;
    private final transient Object body;

    public ApiException(int status, String code, String message) {
        this(status, code, message, null);
    }

    /** With {@code body} the answer is that object instead of an ApiError (e.g. the committed offset on a 409). */
    public ApiException(int status, String code, String message, Object body) {
        super(message);
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

    public Object body() {
        return body;
    }

    public static ApiException badRequest(String message) {
        return new ApiException(400, "bad_request", message);
    }

    public static ApiException unauthorized(String message) {
        return new ApiException(401, "unauthorized", message);
    }

    public static ApiException notFound(String message) {
        return new ApiException(404, "not_found", message);
    }

    public static ApiException staleAttempt() {
        return new ApiException(
                409,
                "stale_attempt",
                "this attempt is no longer current (its lease expired or the job finished); stop working on it");
    }
}
