package dev.runway.server.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import io.javalin.http.Context;
import java.io.IOException;
import java.util.stream.Collectors;

/** Reads request bodies, turning every malformed input into a 400 that names the field and the problem. */
final class Bodies {
    static byte[] bytes(Context ctx, long maxBytes) {
        long declared = ctx.contentLength();
        if (declared > maxBytes) {
            throw new ApiException(
                    413,
                    "payload_too_large",
                    "request body of " + declared + " bytes exceeds the limit of " + maxBytes);
        }
        byte[] b = ctx.bodyAsBytes();
        if (b.length > maxBytes) {
            throw new ApiException(
                    413, "payload_too_large", "request body exceeds the limit of " + maxBytes + " bytes");
        }
        return b;
    }

    static <T> T json(Context ctx, ObjectMapper mapper, Class<T> type, long maxBytes) {
        byte[] b = bytes(ctx, maxBytes);
        if (b.length == 0) throw ApiException.badRequest("request body is empty; expected a JSON object");
        try {
            T value = mapper.readValue(b, type);
            if (value == null) throw ApiException.badRequest("request body is null; expected a JSON object");
            return value;
        } catch (UnrecognizedPropertyException e) {
            throw ApiException.badRequest("unknown field '" + path(e) + "'; known fields: "
                    + e.getKnownPropertyIds().stream()
                            .map(Object::toString)
                            .sorted()
                            .collect(Collectors.joining(", ")));
        } catch (JsonMappingException e) {
            String where = path(e);
            throw ApiException.badRequest((where.isEmpty() ? "" : where + ": ") + clean(e.getOriginalMessage()));
        } catch (JsonProcessingException e) {
            throw ApiException.badRequest(
                    "malformed JSON at line " + e.getLocation().getLineNr() + ", column "
                            + e.getLocation().getColumnNr() + ": " + clean(e.getOriginalMessage()));
        } catch (IOException e) {
            throw ApiException.badRequest("cannot read request body: " + e.getMessage());
        }
    }

    private static String path(JsonMappingException e) {
        StringBuilder sb = new StringBuilder();
        for (JsonMappingException.Reference r : e.getPath()) {
            if (r.getFieldName() != null) sb.append(sb.isEmpty() ? "" : ".").append(r.getFieldName());
            else if (r.getIndex() >= 0) sb.append('[').append(r.getIndex()).append(']');
        }
        return sb.toString();
    }

    /** Jackson messages name Java types; users think in JSON. */
    private static String clean(String m) {
        if (m == null) return "invalid value";
        return m.replaceAll("`java\\.lang\\.(\\w+)`", "$1")
                .replaceAll("`dev\\.runway\\.protocol\\.(\\w+)`", "$1")
                .replaceAll("\\(for Object starting at.*", "")
                .strip();
    }

    private Bodies() {}
}
