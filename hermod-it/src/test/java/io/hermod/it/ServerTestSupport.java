package io.hermod.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.ShutdownSignalException;
import io.hermod.amqp.codec.LeakCheck;
import io.hermod.amqp.server.AmqpServer;
import io.hermod.amqp.server.AmqpServerConfig;
import io.hermod.broker.Broker;
import io.hermod.broker.BrokerConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the RabbitMQ Java client tests of the server share: a broker on a temporary directory, the AMQP server on an
 * ephemeral loopback port, one client connection, and assertions on the reply codes of channel and connection errors.
 * Subclasses change the broker or the server configuration by overriding {@link #openBroker} or {@link #serverConfig}.
 * Netty's paranoid leak detection runs throughout: a leaked buffer fails the test or its class ({@link LeakCheck}).
 */
@Timeout(30)
@ExtendWith(LeakCheck.class)
abstract class ServerTestSupport {

    @TempDir
    Path dir;

    Broker broker;
    AmqpServer server;
    Connection connection;
    private final List<Connection> connections = new ArrayList<>();

    @BeforeEach
    void startBrokerAndServer() throws Exception {
        broker = openBroker(BrokerConfig.of(dir.resolve("data")));
        server = AmqpServer.start(broker, serverConfig());
        connection = newConnection();
    }

    @AfterEach
    void stopBrokerAndServer() throws Exception {
        for (Connection c : connections) {
            if (c.isOpen()) {
                c.abort(1000);
            }
        }
        if (server != null) {
            server.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    Broker openBroker(BrokerConfig config) throws Exception {
        return Broker.open(config);
    }

    AmqpServerConfig serverConfig() {
        return AmqpServerConfig.of("127.0.0.1", 0);
    }

    ConnectionFactory factory() {
        ConnectionFactory f = new ConnectionFactory();
        f.setHost("127.0.0.1");
        f.setPort(server.port());
        f.setAutomaticRecoveryEnabled(false);
        f.setTopologyRecoveryEnabled(false);
        return f;
    }

    /** Another connection, closed after the test. */
    Connection newConnection() throws Exception {
        return newConnection(factory());
    }

    /** Another connection from {@code f} (a {@link #factory()} changed by the test), closed after the test. */
    Connection newConnection(ConnectionFactory f) throws Exception {
        Connection c = f.newConnection();
        connections.add(c);
        return c;
    }

    Channel channel() throws Exception {
        return connection.createChannel();
    }

    static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    static String text(byte[] body) {
        return new String(body, StandardCharsets.UTF_8);
    }

    /** Asserts that {@code call} closes the channel (only) with {@code replyCode}; returns the reply text. */
    static String assertChannelError(int replyCode, ThrowingCallable call) {
        ShutdownSignalException[] seen = new ShutdownSignalException[1];
        assertThatThrownBy(call).satisfies(e -> seen[0] = shutdownSignal(e));
        assertThat(seen[0].isHardError()).as("a channel error").isFalse();
        AMQP.Channel.Close close = (AMQP.Channel.Close) seen[0].getReason();
        assertThat(close.getReplyCode()).as(close.getReplyText()).isEqualTo(replyCode);
        return close.getReplyText();
    }

    /** Asserts that {@code call} closes the whole connection with {@code replyCode}; returns the reply text. */
    static String assertConnectionError(int replyCode, ThrowingCallable call) {
        ShutdownSignalException[] seen = new ShutdownSignalException[1];
        assertThatThrownBy(call).satisfies(e -> seen[0] = shutdownSignal(e));
        assertThat(seen[0].isHardError()).as("a connection error").isTrue();
        AMQP.Connection.Close close = (AMQP.Connection.Close) seen[0].getReason();
        assertThat(close.getReplyCode()).as(close.getReplyText()).isEqualTo(replyCode);
        return close.getReplyText();
    }

    private static ShutdownSignalException shutdownSignal(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ShutdownSignalException s) {
                return s;
            }
        }
        throw new AssertionError("no ShutdownSignalException in " + e, e);
    }
}
