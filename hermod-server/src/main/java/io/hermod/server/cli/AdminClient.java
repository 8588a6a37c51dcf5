package io.hermod.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;

/**
 * The operator commands' HTTP client for the management API: basic auth, JSON in and out, and a non-2xx answer turned
 * into an {@link AdminException} that says the method, path, status and the API's reason.
 */
final class AdminClient {

    static final ObjectMapper MAPPER = new ObjectMapper();

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final String base;
    private final String authorization;

    AdminClient(String host, int port, String user, String password) {
        String h = host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
        this.base = "http://" + h + ":" + port;
        this.authorization =
                "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    JsonNode get(String path) {
        return send("GET", path, null);
    }

    JsonNode post(String path, String body) {
        return send("POST", path, body);
    }

    /**
     * Sends a request and returns its JSON answer (a missing node for an empty one).
     *
     * @throws AdminException for a non-2xx answer or when the server cannot be reached
     */
    JsonNode send(String method, String path, String body) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(base + path))
                .timeout(Duration.ofSeconds(60))
                .header("Authorization", authorization)
                .header("Content-Type", "application/json")
                .method(
                        method,
                        body == null
                                ? HttpRequest.BodyPublishers.noBody()
                                : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8))
                .build();
        HttpResponse<String> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new AdminException("cannot reach the management API at " + base + ": " + describe(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AdminException("interrupted");
        }
        JsonNode json = parse(response.body());
        if (response.statusCode() / 100 != 2) {
            String reason = json.has("reason") ? json.get("reason").asText() : response.body();
            String error = json.has("error") ? json.get("error").asText() + ": " : "";
            throw new AdminException(
                    method + " " + path + " answered " + response.statusCode() + " (" + error + reason + ")");
        }
        return json;
    }

    private static JsonNode parse(String body) {
        if (body.isEmpty()) {
            return MAPPER.missingNode();
        }
        try {
            return MAPPER.readTree(body);
        } catch (IOException e) {
            return MAPPER.missingNode();
        }
    }

    private static String describe(IOException e) {
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }
}
