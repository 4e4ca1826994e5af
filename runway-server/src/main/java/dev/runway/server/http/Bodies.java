package dev.runway.server.http;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.runway.protocol.Json;
import io.javalin.http.Context;
import java.io.IOException;

/** Reads request bodies, turning every malformed input into a 400 that names the field and the problem. */
final class Bodies {
    static byte[] bytes(Context ctx, long maxBytes) {
        return within(ctx, maxBytes, ctx::bodyAsBytes);
    }

    /**
     * The body read straight from the request within {@code maxBytes}, for a route whose limit is its own and may be
     * above the server's {@code --max-body-size} (which {@link Context#bodyAsBytes()} enforces).
     */
    static byte[] ownLimit(Context ctx, long maxBytes) {
        return within(ctx, maxBytes, () -> {
            try {
                return ctx.req().getInputStream().readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1));
            } catch (IOException e) {
                throw ApiException.badRequest("cannot read request body: " + JsonErrors.plain(e.getMessage()));
            }
        });
    }

    /** The body {@code read} gives, refused with 413 when it (or its declared length) is over {@code maxBytes}. */
    private static byte[] within(Context ctx, long maxBytes, java.util.function.Supplier<byte[]> read) {
        long declared = ctx.contentLength();
        if (declared > maxBytes) {
            throw new ApiException(
                    413,
                    "payload_too_large",
                    "request body of " + declared + " bytes exceeds the limit of " + maxBytes);
        }
        byte[] b = read.get();
        if (b.length > maxBytes) {
            throw new ApiException(
                    413, "payload_too_large", "request body exceeds the limit of " + maxBytes + " bytes");
        }
        return b;
    }

    /** The body as {@code type}; 400 naming the field, the position or the limit when it is not that. */
    static <T> T json(Context ctx, ObjectMapper mapper, Class<T> type, long maxBytes) {
        return json(bytes(ctx, maxBytes), mapper, type);
    }

    /** {@code b} as {@code type}; 400 naming the field, the position or the limit when it is not that. */
    static <T> T json(byte[] b, ObjectMapper mapper, Class<T> type) {
        if (b.length == 0) throw ApiException.badRequest("request body is empty; expected a JSON object");
        T value;
        try (JsonParser p = Json.input(b)) {
            value = mapper.readValue(p, type);
        } catch (JsonProcessingException e) {
            throw ApiException.badRequest(JsonErrors.describe(e));
        } catch (IOException e) {
            throw ApiException.badRequest("cannot read request body: " + JsonErrors.plain(e.getMessage()));
        }
        if (value == null) throw ApiException.badRequest("request body is null; expected a JSON object");
        return value;
    }

    /** The body as a JSON tree, within the same limits. */
    static JsonNode tree(byte[] body) {
        try (JsonParser p = Json.input(body)) {
            return Json.lenient().readTree(p);
        } catch (JsonProcessingException e) {
            throw ApiException.badRequest("the payload is not JSON: " + JsonErrors.describe(e));
        } catch (IOException e) {
            throw ApiException.badRequest("cannot read the payload: " + JsonErrors.plain(e.getMessage()));
        }
    }

    private Bodies() {}
}
