package dev.runway.server.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.runway.protocol.ApiError;
import dev.runway.protocol.Json;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpHeaderValue;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Jetty's own error answers (a malformed request line or URI, a header too large, an error before the routes run) in
 * the API's JSON error shape instead of Jetty's HTML page, whatever the request's method and {@code Accept} header.
 * This one is the server's (Jetty 12 answers a request it cannot parse with it); {@link InContext} is the servlet
 * context's, for an error raised inside it that Javalin did not answer.
 */
final class JsonErrorHandler extends ErrorHandler {
    JsonErrorHandler() {
        quiet(this);
    }

    @Override
    public boolean errorPageForMethod(String method) {
        return true; // Jetty answers only GET, POST and HEAD with a body by default; a refused PUT says why too
    }

    @Override
    protected void generateResponse(
            Request request, Response response, int code, String message, Throwable cause, Callback callback)
            throws IOException {
        announceClose(request, response);
        if (!generateAcceptableResponse(request, response, callback, JSON, UTF_8, code, message, cause))
            callback.succeeded();
    }

    @Override
    protected void writeErrorJson(Request request, PrintWriter writer, int code, String message, Throwable cause) {
        writer.write(new String(body(code, message), StandardCharsets.UTF_8));
    }

    /** The servlet context's error handler (Jetty's servlet flavour, which completes the servlet's answer). */
    static final class InContext extends org.eclipse.jetty.ee10.servlet.ErrorHandler {
        InContext() {
            quiet(this);
        }

        @Override
        public boolean errorPageForMethod(String method) {
            return true;
        }

        @Override
        protected void generateResponse(
                Request request, Response response, int code, String message, Throwable cause, Callback callback)
                throws IOException {
            announceClose(request, response);
            generateAcceptableResponse(request, response, callback, JSON, UTF_8, code, message, cause);
        }

        @Override
        protected void writeErrorJson(Request request, PrintWriter writer, int code, String message, Throwable cause) {
            writer.write(new String(body(code, message), StandardCharsets.UTF_8));
        }
    }

    /** JSON is the answer's type whatever the client accepts: Jetty would pick HTML, or no body at all. */
    private static final String JSON = "application/json";

    private static final List<java.nio.charset.Charset> UTF_8 = List.of(StandardCharsets.UTF_8);

    /** Nothing about the server in an answer: no stack, cause, origin (the class that failed) or Jetty's own words. */
    private static void quiet(ErrorHandler h) {
        h.setShowStacks(false);
        h.setShowCauses(false);
        h.setShowOrigin(false);
        h.setShowMessageInTitle(false);
    }

    /**
     * {@code Connection: close} on an answer after which Jetty closes the connection. Jetty 12 leaves it out when it
     * refuses a request it could not parse (a NUL in the path, a URI or headers too large): a client that keeps
     * connections (the JDK's) then sends its next request on a closed one, which fails unless it is repeated.
     */
    private static void announceClose(Request request, Response response) {
        if (!request.getConnectionMetaData().isPersistent())
            response.getHeaders().put(HttpHeader.CONNECTION, HttpHeaderValue.CLOSE.asString());
    }

    static byte[] body(int status, String reason) {
        try {
            return Json.lenient()
                    .writeValueAsBytes(new ApiError(ErrorAnswers.codeFor(status), message(status, reason)));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String message(int status, String reason) {
        boolean generic = reason == null || reason.isBlank() || reason.equalsIgnoreCase("Bad Request");
        String why = generic ? "" : ": " + JsonErrors.plain(reason);
        return switch (status) {
            case 400 -> "the request is malformed (a path or query with an invalid %-escape, NUL or bad header)" + why;
            case 414 -> "the request URI is too long";
            case 431 -> "the request headers are too large";
            case 500 -> ErrorAnswers.INTERNAL;
            case 505 -> "HTTP version not supported; use HTTP/1.1";
            default -> "the request was refused" + why;
        };
    }
}
