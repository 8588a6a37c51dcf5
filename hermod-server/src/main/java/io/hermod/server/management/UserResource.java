package io.hermod.server.management;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hermod.broker.definitions.PasswordHash;
import io.hermod.broker.definitions.UserDefinition;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code /api/users[/{name}]} and {@code /api/users/{name}/permissions} (administrators). A user is created or
 * replaced with a {@code password}, or a {@code password_hash} in RabbitMQ's {@code rabbit_password_hashing_sha256}
 * format (which is Hermod's own, {@link PasswordHash}), and {@code tags} as a list or a comma-separated string.
 */
final class UserResource {

    private final ManagementContext context;

    UserResource(ManagementContext context) {
        this.context = context;
    }

    void register(RouteTable routes) {
        routes.add(
                "GET",
                "/api/users",
                Access.ADMINISTRATOR,
                r -> ApiResponse.ok(context.broker().users().stream()
                        .map(UserResource::json)
                        .toList()));
        routes.add("GET", "/api/users/{name}", Access.ADMINISTRATOR, r -> ApiResponse.ok(json(require(r))));
        routes.add("PUT", "/api/users/{name}", Access.ADMINISTRATOR, this::put);
        routes.add("DELETE", "/api/users/{name}", Access.ADMINISTRATOR, this::delete);
        routes.add("GET", "/api/users/{name}/permissions", Access.ADMINISTRATOR, r -> {
            String name = require(r).name();
            return ApiResponse.ok(context.broker().permissions().stream()
                    .filter(p -> p.user().equals(name))
                    .map(PermissionResource::json)
                    .toList());
        });
    }

    private UserDefinition require(ApiRequest request) {
        return find(request.param("name"))
                .orElseThrow(() -> ApiException.notFound("no user '" + request.param("name") + "'"));
    }

    private Optional<UserDefinition> find(String name) {
        return context.broker().users().stream()
                .filter(u -> u.name().equals(name))
                .findFirst();
    }

    private ApiResponse put(ApiRequest request) {
        ObjectNode body = request.json();
        String name = request.param("name");
        boolean exists = find(name).isPresent();
        context.broker().addUser(name, passwordHash(body), tags(body.get("tags")));
        return exists ? ApiResponse.noContent() : ApiResponse.created();
    }

    private ApiResponse delete(ApiRequest request) {
        String name = require(request).name();
        context.broker().deleteUser(name);
        return ApiResponse.noContent();
    }

    static Map<String, Object> json(UserDefinition u) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", u.name());
        m.put("password_hash", u.passwordHash().toBase64());
        m.put("hashing_algorithm", PasswordHash.ALGORITHM);
        m.put("tags", u.tags());
        m.put("limits", Map.of());
        return m;
    }

    /**
     * The password hash a user object gives: from {@code password}, or {@code password_hash} with an optional
     * {@code hashing_algorithm} that must be {@value PasswordHash#ALGORITHM}.
     *
     * @throws ApiException 400 when neither is there, or the hash is not one Hermod can check
     */
    static PasswordHash passwordHash(ObjectNode user) {
        String password = Json.text(user, "password", null);
        if (password != null) {
            return PasswordHash.of(password);
        }
        String hash = Json.text(user, "password_hash", null);
        if (hash == null) {
            throw ApiException.badRequest("a user needs a 'password' or a 'password_hash'");
        }
        String algorithm = Json.text(user, "hashing_algorithm", PasswordHash.ALGORITHM);
        if (!algorithm.equals(PasswordHash.ALGORITHM)) {
            throw ApiException.badRequest("hashing_algorithm '" + algorithm + "' is not supported (only "
                    + PasswordHash.ALGORITHM + ", RabbitMQ's default)");
        }
        if (hash.isEmpty()) {
            // RabbitMQ: a user without a password, who can only log in by other means; Hermod has none of those
            throw ApiException.badRequest("an empty password_hash leaves no way to log in");
        }
        try {
            return PasswordHash.fromBase64(hash);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("password_hash: " + e.getMessage());
        }
    }

    /** Tags as RabbitMQ takes them: a list, or one comma-separated string (older exports); none when absent. */
    static List<String> tags(JsonNode tags) {
        if (tags == null || tags.isNull()) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        if (tags.isTextual()) {
            Arrays.stream(tags.textValue().split(","))
                    .map(String::strip)
                    .filter(t -> !t.isEmpty())
                    .forEach(out::add);
        } else if (tags.isArray()) {
            for (JsonNode t : tags) {
                if (!t.isTextual()) {
                    throw ApiException.badRequest("tags must be strings");
                }
                out.add(t.textValue());
            }
        } else {
            throw ApiException.badRequest("tags must be a list or a comma-separated string");
        }
        return out;
    }
}
