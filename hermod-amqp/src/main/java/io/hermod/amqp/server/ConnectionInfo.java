package io.hermod.amqp.server;

import java.util.Map;
import java.util.Objects;

/**
 * One client connection as management tools show it, with RabbitMQ's naming: {@code name} is
 * {@code "peer-ip:peer-port -> local-ip:local-port"}, unique among open connections.
 *
 * @param user the user it logged in as ({@code ""} before authentication)
 * @param vhost the vhost it opened ({@code ""} before connection.open)
 * @param clientProperties what the client sent in connection.start-ok (field-table values in broker argument types)
 * @param channels channels open on it
 * @param state {@code starting}, {@code tuning}, {@code opening} (the handshake), {@code running}, {@code blocking}
 *     (a resource alarm is on, the connection has not published yet), {@code blocked} (the alarm holds its
 *     publishes), {@code closing} or {@code closed}
 * @param connectedAt when the socket was accepted, in epoch milliseconds
 * @param heartbeat the negotiated heartbeat in seconds (0 before tuning or when off)
 */
public record ConnectionInfo(
        String name,
        String peerHost,
        int peerPort,
        String host,
        int port,
        String user,
        String vhost,
        Map<String, Object> clientProperties,
        int channels,
        String state,
        long connectedAt,
        int frameMax,
        int channelMax,
        int heartbeat) {

    public ConnectionInfo {
        Objects.requireNonNull(name, "name");
        clientProperties = clientProperties == null ? Map.of() : clientProperties;
    }
}
