package io.hermod.server.management;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The HTTP listener's routes: a method and a path template ({@code /api/queues/{vhost}/{name}}) to an {@link Access}
 * level and a handler. Resources add theirs at start ({@code /metrics} or the console's files can be added the same
 * way); after that the table is only read.
 *
 * <p>Matching works on path segments, each percent-decoded after splitting, so an encoded slash ({@code %2F}, the vhost
 * {@code /}) stays inside its segment. A {@code {name}} segment matches any one non-empty segment; a template ending in
 * {@code {name*}} takes the rest of the path. A path that matches a template under another method is answered 405 with
 * the methods it has.
 *
 * <p>Threading: built on one thread before the listener starts, then read by any.
 */
final class RouteTable {

    /** One route. */
    record Route(String method, List<String> template, Access access, ApiHandler handler) {}

    /** A route found for a request, with the path's parameters. */
    record Match(Route route, Map<String, String> params) {}

    private final List<Route> routes = new ArrayList<>();

    /** Adds a route; {@code template} segments in braces are parameters. */
    RouteTable add(String method, String template, Access access, ApiHandler handler) {
        routes.add(new Route(method, segments(template, false), access, handler));
        return this;
    }

    /**
     * The route for this method and raw path (no query).
     *
     * @throws ApiException 404 when no template matches the path, 405 when templates match only under other methods
     */
    Match find(String method, String rawPath) {
        List<String> path;
        try {
            path = segments(rawPath, true);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("malformed path: " + e.getMessage());
        }
        Set<String> allowed = new LinkedHashSet<>();
        for (Route route : routes) {
            Optional<Map<String, String>> params = match(route.template(), path);
            if (params.isPresent()) {
                if (route.method().equals(method)
                        || (method.equals("HEAD") && route.method().equals("GET"))) {
                    return new Match(route, params.get());
                }
                allowed.add(route.method());
            }
        }
        if (!allowed.isEmpty()) {
            throw new ApiException(405, "Method Not Allowed", method + " is not allowed here; allowed: " + allowed);
        }
        throw ApiException.notFound("Not Found");
    }

    private static Optional<Map<String, String>> match(List<String> template, List<String> path) {
        Map<String, String> params = new LinkedHashMap<>();
        for (int i = 0; i < template.size(); i++) {
            String t = template.get(i);
            if (t.startsWith("{") && t.endsWith("*}")) {
                if (i >= path.size()) {
                    return Optional.empty();
                }
                params.put(t.substring(1, t.length() - 2), String.join("/", path.subList(i, path.size())));
                return Optional.of(params);
            }
            if (i >= path.size()) {
                return Optional.empty();
            }
            String p = path.get(i);
            if (t.startsWith("{") && t.endsWith("}")) {
                if (p.isEmpty()) {
                    return Optional.empty();
                }
                params.put(t.substring(1, t.length() - 1), p);
            } else if (!t.equals(p)) {
                return Optional.empty();
            }
        }
        return template.size() == path.size() ? Optional.of(params) : Optional.empty();
    }

    /** Splits a path into segments (a trailing slash is ignored), percent-decoding each when asked. */
    private static List<String> segments(String path, boolean decode) {
        String trimmed = path.startsWith("/") ? path.substring(1) : path;
        if (trimmed.endsWith("/")) {
            trimmed = trimmed.substring(0, trimmed.length() - 1);
        }
        if (trimmed.isEmpty()) {
            return List.of();
        }
        return Arrays.stream(trimmed.split("/", -1))
                .map(s -> decode ? decodeSegment(s) : s)
                .toList();
    }

    /** Percent-decodes one path segment; a '+' stays a '+' (it means a space only in query strings). */
    static String decodeSegment(String segment) {
        return URLDecoder.decode(segment.replace("+", "%2B"), StandardCharsets.UTF_8);
    }
}
