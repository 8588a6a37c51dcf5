package io.hermod.server.management;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * One request as a handler sees it: the method, the path's parameters (percent-decoded: {@code %2F} is the vhost
 * {@code /}), the query, the body and who sent it.
 *
 * @param user the authenticated user; null only on {@link Access#PUBLIC} routes
 * @param header a request header by name (case-insensitive), or null
 */
record ApiRequest(
        String method,
        String path,
        Map<String, String> params,
        Map<String, List<String>> query,
        byte[] body,
        ApiUser user,
        Function<String, String> header) {

    ApiRequest {
        params = Map.copyOf(params);
        query = Map.copyOf(query);
    }

    /** A path parameter the route template names (always present when the route matched). */
    String param(String name) {
        String value = params.get(name);
        if (value == null) {
            throw new IllegalStateException("the route has no parameter " + name);
        }
        return value;
    }

    /** The first value of a query parameter, or null. */
    String queryParam(String name) {
        List<String> values = query.get(name);
        return values == null || values.isEmpty() ? null : values.getFirst();
    }

    /**
     * The body as a JSON object; an empty body is an empty object (RabbitMQ lets a PUT without a body take every
     * default).
     *
     * @throws ApiException 400 when it is not a JSON object
     */
    ObjectNode json() {
        if (body.length == 0) {
            return Json.MAPPER.createObjectNode();
        }
        JsonNode node = Json.parse(body);
        if (!(node instanceof ObjectNode object)) {
            throw ApiException.badRequest("the body must be a JSON object");
        }
        return object;
    }
}
