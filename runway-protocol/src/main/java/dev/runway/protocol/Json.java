package dev.runway.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;

/**
 * The two JSON mappers of the protocol. Both write ISO-8601 instants and omit nulls. JSON from outside (request
 * bodies, webhook payloads) is read through {@link #input(byte[])}, with tighter limits than the mappers' own, so
 * whatever is accepted can be stored, nested in an answer and read back by a peer without reaching a limit.
 */
public final class Json {
    /** Deepest nesting of objects and arrays accepted from outside (the mappers themselves allow 1000). */
    public static final int MAX_INPUT_DEPTH = 100;
    /** Longest number accepted from outside, in characters (the mappers themselves allow 1000). */
    public static final int MAX_INPUT_NUMBER_LENGTH = 100;
    /** Longest string accepted from outside, in characters (a request body is also bounded in bytes). */
    public static final int MAX_INPUT_STRING_LENGTH = 20_000_000;

    private static final JsonFactory INPUT = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNestingDepth(MAX_INPUT_DEPTH)
                    .maxNumberLength(MAX_INPUT_NUMBER_LENGTH)
                    .maxStringLength(MAX_INPUT_STRING_LENGTH)
                    .build())
            .build();

    private static final ObjectMapper STRICT =
            base().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();
    private static final ObjectMapper LENIENT =
            base().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();

    /** For input from people (job submissions, admin calls): an unknown field is an error, so typos are caught. */
    public static ObjectMapper strict() {
        return STRICT;
    }

    /** For machine peers (agent reading server answers and vice versa): unknown fields are ignored so either side can be newer. */
    public static ObjectMapper lenient() {
        return LENIENT;
    }

    /**
     * A parser of JSON from outside, within {@link #MAX_INPUT_DEPTH} and {@link #MAX_INPUT_NUMBER_LENGTH}: read it with
     * either mapper ({@code mapper.readValue(Json.input(bytes), Type.class)}); past a limit it throws {@link
     * com.fasterxml.jackson.core.exc.StreamConstraintsException}.
     */
    public static JsonParser input(byte[] json) throws IOException {
        return INPUT.createParser(json);
    }

    private static JsonMapper.Builder base() {
        return JsonMapper.builder()
                .addModule(new JavaTimeModule())
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .serializationInclusion(JsonInclude.Include.NON_NULL);
    }

    private Json() {}
}
