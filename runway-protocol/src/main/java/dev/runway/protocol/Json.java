package dev.runway.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

/** The two JSON mappers of the protocol. Both write ISO-8601 instants and omit nulls. */
public final class Json {
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

    private static JsonMapper.Builder base() {
        return JsonMapper.builder()
                .addModule(new JavaTimeModule())
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .serializationInclusion(JsonInclude.Include.NON_NULL);
    }

    private Json() {}
}
