package io.hermod.server.management;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/** Percent-encoding of one path segment (a vhost {@code /} is {@code %2F}), the inverse of what routes decode. */
public final class PathSegments {

    private PathSegments() {}

    /** {@code value} as one path segment: everything but unreserved characters percent-encoded, spaces as %20. */
    public static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
