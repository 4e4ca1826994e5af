package dev.runway.server.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.runway.protocol.ApiError;
import dev.runway.protocol.Json;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.handler.ErrorHandler;

/**
 * Jetty's own error answers (a malformed request line or URI, a header too large, an error before the routes run) in
 * the API's JSON error shape instead of Jetty's HTML page.
 */
final class JsonErrorHandler extends ErrorHandler {
    JsonErrorHandler() {
        setShowStacks(false);
        setShowServlet(false);
        setShowMessageInTitle(false);
    }

    @Override
    public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
        fields.put(HttpHeader.CONTENT_TYPE, "application/json");
        return ByteBuffer.wrap(body(status, reason));
    }

    @Override
    protected void generateAcceptableResponse(
            Request baseRequest, HttpServletRequest request, HttpServletResponse response, int code, String message)
            throws IOException {
        baseRequest.setHandled(true);
        response.setContentType("application/json");
        response.getOutputStream().write(body(code, message));
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
