package dev.postern.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

/** One answer of the admin API: status, content type, body. */
record Response(int status, String contentType, String body) {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    static Response json(int status, Object value) {
        try {
            return new Response(status, "application/json", JSON.writeValueAsString(value) + "\n");
        } catch (JsonProcessingException e) {
            return new Response(500, "application/json", "{\"error\": \"cannot write the answer\"}\n");
        }
    }

    static Response error(int status, String message) {
        return json(status, java.util.Map.of("error", message));
    }
}
