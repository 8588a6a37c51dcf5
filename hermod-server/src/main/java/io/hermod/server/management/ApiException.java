package io.hermod.server.management;

import io.hermod.broker.BrokerException;
import io.hermod.broker.ErrorCode;

/**
 * A request the API refuses, answered as RabbitMQ's management API answers it: an HTTP status and a body
 * {@code {"error": "...", "reason": "..."}}. {@link #of(BrokerException)} is the one table from the broker's error
 * codes to HTTP statuses.
 */
final class ApiException extends RuntimeException {

    private final int status;
    private final String error;

    ApiException(int status, String error, String reason) {
        super(reason, null, false, false);
        this.status = status;
        this.error = error;
    }

    int status() {
        return status;
    }

    /** RabbitMQ's short error name, e.g. {@code bad_request}, {@code not_found}, {@code not_authorised}. */
    String error() {
        return error;
    }

    String reason() {
        return getMessage();
    }

    static ApiException badRequest(String reason) {
        return new ApiException(400, "bad_request", reason);
    }

    static ApiException notFound(String reason) {
        return new ApiException(404, "Object Not Found", reason);
    }

    static ApiException forbidden(String reason) {
        return new ApiException(403, "not_authorised", reason);
    }

    /**
     * The broker's refusal as an HTTP answer: a missing entity is 404, a refused permission 403, a closed broker 503,
     * failed storage 500, what the broker does not implement 501, every other refusal of the request itself 400 (as
     * RabbitMQ answers a channel error with {@code bad_request}).
     */
    static ApiException of(BrokerException e) {
        ErrorCode code = e.code();
        return switch (code) {
            case NOT_FOUND -> notFound(e.getMessage());
            case ACCESS_REFUSED -> forbidden(e.getMessage());
            case PRECONDITION_FAILED, RESOURCE_LOCKED, COMMAND_INVALID, NOT_ALLOWED, RESOURCE_ERROR ->
                badRequest(e.getMessage());
            case NOT_IMPLEMENTED -> new ApiException(501, "not_implemented", e.getMessage());
            case STORAGE_FAILED -> new ApiException(500, "internal_server_error", e.getMessage());
            case CLOSED -> new ApiException(503, "service_unavailable", e.getMessage());
        };
    }
}
