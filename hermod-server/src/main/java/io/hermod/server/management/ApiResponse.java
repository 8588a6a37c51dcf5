package io.hermod.server.management;

import java.util.Map;

/**
 * What a handler answers: a status, a body (a value Jackson writes as JSON, raw bytes with their content type, or
 * null for none) and extra headers.
 */
record ApiResponse(int status, Object body, String contentType, Map<String, String> headers) {

    static final String JSON = "application/json";

    ApiResponse {
        headers = Map.copyOf(headers);
    }

    static ApiResponse ok(Object body) {
        return new ApiResponse(200, body, JSON, Map.of());
    }

    /** 201, as RabbitMQ answers a PUT that created something. */
    static ApiResponse created() {
        return new ApiResponse(201, null, JSON, Map.of());
    }

    static ApiResponse noContent() {
        return new ApiResponse(204, null, JSON, Map.of());
    }

    /** A JSON body with another status (503 for a failed health check). */
    static ApiResponse status(int status, Object body) {
        return new ApiResponse(status, body, JSON, Map.of());
    }
}
