package io.hermod.amqp.server;

import io.hermod.amqp.codec.FieldTables;
import io.hermod.broker.Broker;
import io.netty.buffer.Unpooled;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;

/**
 * SASL for AMQP (spec 1.4.2 connection.start-ok): the {@code PLAIN} mechanism ({@code \0user\0password}, RFC 4616)
 * and RabbitMQ's {@code AMQPLAIN} (a field table with {@code LOGIN} and {@code PASSWORD}) are parsed here; the broker
 * checks the credentials against its users ({@link Broker#authenticate}), told whether the client connects from a
 * loopback address (RabbitMQ's {@code loopback_users}: {@code guest} may log in from loopback only).
 *
 * <p>Threading: stateless.
 */
final class Authenticator {

    static final String MECHANISMS = "PLAIN AMQPLAIN";

    private Authenticator() {}

    /** The authenticated user name, or empty when the credentials are malformed or refused. */
    static Optional<String> authenticate(Broker broker, String mechanism, byte[] response, SocketAddress peer) {
        Credentials c = switch (mechanism) {
            case "PLAIN" -> plain(response);
            case "AMQPLAIN" -> amqplain(response);
            default -> null;
        };
        if (c == null) {
            return Optional.empty();
        }
        return broker.authenticate(c.user, c.password, isLoopback(peer));
    }

    private record Credentials(String user, byte[] password) {}

    /** RFC 4616: [authzid] NUL authcid NUL passwd. */
    private static Credentials plain(byte[] response) {
        int first = indexOf(response, 0, (byte) 0);
        int second = first < 0 ? -1 : indexOf(response, first + 1, (byte) 0);
        if (second < 0) {
            return null;
        }
        String user = new String(response, first + 1, second - first - 1, StandardCharsets.UTF_8);
        byte[] password = java.util.Arrays.copyOfRange(response, second + 1, response.length);
        return new Credentials(user, password);
    }

    private static Credentials amqplain(byte[] response) {
        Map<String, Object> table;
        try {
            // the response is a field table without its length prefix
            var buf = Unpooled.buffer(response.length + 4)
                    .writeInt(response.length)
                    .writeBytes(response);
            try {
                table = FieldTables.read(buf);
            } finally {
                buf.release();
            }
        } catch (RuntimeException e) {
            return null;
        }
        Object login = table.get("LOGIN");
        Object password = table.get("PASSWORD");
        if (login == null || password == null) {
            return null;
        }
        return new Credentials(text(login), bytes(password));
    }

    private static String text(Object value) {
        return value instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : value.toString();
    }

    private static byte[] bytes(Object value) {
        return value instanceof byte[] b ? b : value.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static int indexOf(byte[] bytes, int from, byte b) {
        for (int i = from; i < bytes.length; i++) {
            if (bytes[i] == b) {
                return i;
            }
        }
        return -1;
    }

    /** Whether the peer's address is a loopback one (127.0.0.0/8, ::1); anything else, such as no address, is not. */
    static boolean isLoopback(SocketAddress peer) {
        if (peer instanceof InetSocketAddress inet) {
            InetAddress address = inet.getAddress();
            return address != null && address.isLoopbackAddress();
        }
        return false;
    }
}
