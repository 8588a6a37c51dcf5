package io.hermod.server.management;

/**
 * Answers one route's requests. Runs on the management worker threads, never on an event loop, so it may wait for the
 * broker (a declare waits for its definition to be durable).
 */
@FunctionalInterface
interface ApiHandler {

    /**
     * @throws ApiException for a refusal with its status; a {@link io.hermod.broker.BrokerException} is turned into
     *     one by {@link ApiException#of}
     */
    ApiResponse handle(ApiRequest request);
}
