package io.hermod.server.management;

import io.hermod.broker.Broker;
import io.hermod.broker.definitions.UserDefinition;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;
import java.util.Set;

/**
 * HTTP basic authentication (RFC 7617) against the broker's users, with the rules AMQP logins follow: a loopback user
 * ({@code loopback_users}, guest by default) only from a loopback address, a blank password never.
 *
 * <p>Threading: thread-safe (the broker is).
 */
final class BasicAuth {

    /** The challenge a 401 carries; RabbitMQ's realm, so browsers and scripts behave as they do with it. */
    static final String CHALLENGE = "Basic realm=\"RabbitMQ Management\"";

    private final Broker broker;

    BasicAuth(Broker broker) {
        this.broker = broker;
    }

    /**
     * The user an {@code Authorization} header names, if its password is right and it may log in from there.
     *
     * @param loopback whether the request comes from a loopback address
     */
    Optional<ApiUser> authenticate(String authorization, boolean loopback) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            return Optional.empty();
        }
        String decoded;
        try {
            decoded = new String(
                    Base64.getDecoder().decode(authorization.substring(6).strip()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        int colon = decoded.indexOf(':');
        if (colon <= 0) {
            return Optional.empty();
        }
        String name = decoded.substring(0, colon);
        byte[] password = decoded.substring(colon + 1).getBytes(StandardCharsets.UTF_8);
        return broker.authenticate(name, password, loopback)
                .flatMap(user -> broker.users().stream()
                        .filter(u -> u.name().equals(user))
                        .findFirst()
                        .map(UserDefinition::tags))
                .map(tags -> new ApiUser(name, Set.copyOf(tags)));
    }
}
