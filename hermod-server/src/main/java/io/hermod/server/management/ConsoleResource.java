package io.hermod.server.management;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The web console: static HTML, JavaScript and CSS (no build step, nothing fetched from elsewhere) that talk to the
 * {@code /api} endpoints with the user's basic-auth credentials. {@code /} is the page, {@code /console/{file}} its
 * assets; only the files listed here are served, anything else under {@code /console/} is 404.
 *
 * <p>Caching: every answer has an {@code ETag} (a hash of the file) and {@code Cache-Control: no-cache}, so a browser
 * keeps its copy but asks each time and gets 304 while it is current — an upgraded server is never hidden by a stale
 * script. The files are read from the classpath once, at start.
 *
 * <p>Threading: immutable after construction.
 */
final class ConsoleResource {

    private static final String ROOT = "/io/hermod/server/console/";
    /** The console's files and their content types. */
    private static final Map<String, String> FILES = Map.of(
            "index.html", "text/html; charset=utf-8",
            "console.js", "text/javascript; charset=utf-8",
            "console.css", "text/css; charset=utf-8",
            "favicon.svg", "image/svg+xml");
    /** The page may load only its own scripts, styles and images, and may not be framed. */
    private static final String CONTENT_SECURITY_POLICY =
            "default-src 'self'; img-src 'self' data:; object-src 'none'; frame-ancestors 'none'; base-uri 'none'";

    private record StaticFile(byte[] bytes, String contentType, String etag) {}

    private final Map<String, StaticFile> files = new LinkedHashMap<>();

    ConsoleResource() {
        FILES.forEach((name, type) -> {
            byte[] bytes = read(name);
            files.put(name, new StaticFile(bytes, type, etag(bytes)));
        });
    }

    void register(RouteTable routes) {
        routes.add("GET", "/", Access.PUBLIC, r -> serve(r, "index.html"));
        routes.add("GET", "/console/{file}", Access.PUBLIC, r -> serve(r, r.param("file")));
    }

    private ApiResponse serve(ApiRequest request, String name) {
        StaticFile file = files.get(name);
        if (file == null) {
            throw ApiException.notFound("Not Found");
        }
        Map<String, String> headers = Map.of(
                "ETag", file.etag(),
                "Cache-Control", "no-cache",
                "X-Content-Type-Options", "nosniff",
                "Content-Security-Policy", CONTENT_SECURITY_POLICY,
                "Referrer-Policy", "no-referrer");
        String ifNoneMatch = request.header().apply("If-None-Match");
        if (ifNoneMatch != null && ifNoneMatch.contains(file.etag())) {
            return new ApiResponse(304, null, file.contentType(), headers);
        }
        return new ApiResponse(200, file.bytes(), file.contentType(), headers);
    }

    private static byte[] read(String name) {
        try (InputStream in = ConsoleResource.class.getResourceAsStream(ROOT + name)) {
            if (in == null) {
                throw new IllegalStateException("the console file " + ROOT + name + " is missing from the jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the console file " + name, e);
        }
    }

    private static String etag(byte[] bytes) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(bytes);
            return "\"" + HexFormat.of().formatHex(digest, 0, 12) + "\"";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from the JDK", e);
        }
    }
}
