package io.hermod.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.AuthenticationFailureException;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.LongString;
import com.rabbitmq.client.PossibleAuthenticationFailureException;
import com.rabbitmq.client.SaslConfig;
import com.rabbitmq.client.SaslMechanism;
import com.rabbitmq.client.ShutdownSignalException;
import com.rabbitmq.client.impl.LongStringHelper;
import io.hermod.amqp.server.AmqpServer;
import io.hermod.amqp.server.AmqpServerConfig;
import io.hermod.broker.Broker;
import io.hermod.broker.BrokerConfig;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Users, logins and permissions through the RabbitMQ Java client, unchanged: SASL PLAIN and AMQPLAIN against the
 * broker's users, {@code guest} from loopback only, 530 for a vhost the user may not use and 403 for an operation it
 * may not do — the codes and texts RabbitMQ sends (rabbit_reader, rabbit_access_control).
 */
@Timeout(60)
class UserAccessTest {

    @TempDir
    Path dir;

    private Broker broker;
    private AmqpServer server;
    private final List<Connection> connections = new ArrayList<>();

    @BeforeEach
    void start() {
        broker = Broker.open(BrokerConfig.of(dir));
        broker.addUser("app", "app-secret", List.of());
        broker.setPermissions("/", "app", "^app\\.", "^(app\\..*|amq\\.default)$", "^app\\.");
        server = AmqpServer.start(broker, AmqpServerConfig.of("127.0.0.1", 0));
    }

    @AfterEach
    void stop() throws Exception {
        for (Connection c : connections) {
            if (c.isOpen()) {
                c.close();
            }
        }
        server.close();
        broker.close();
    }

    private ConnectionFactory factory(String user, String password) {
        ConnectionFactory f = new ConnectionFactory();
        f.setHost("127.0.0.1");
        f.setPort(server.port());
        f.setUsername(user);
        f.setPassword(password);
        f.setAutomaticRecoveryEnabled(false);
        return f;
    }

    private Connection connect(ConnectionFactory f) throws Exception {
        Connection c = f.newConnection("user-access-test");
        connections.add(c);
        return c;
    }

    /** The close a failed call ended with, as the client reports it (the cause of its IOException). */
    private static ShutdownSignalException closedBy(ThrowingCallable call) {
        Throwable thrown = org.assertj.core.api.Assertions.catchThrowable(call);
        for (Throwable t = thrown; t != null; t = t.getCause()) {
            if (t instanceof ShutdownSignalException sse) {
                return sse;
            }
        }
        throw new AssertionError("expected a close, got " + thrown, thrown);
    }

    // ------------------------------------------------------------------ logging in

    @Test
    void aNewUserLogsInWithPlain() throws Exception {
        Connection c = connect(factory("app", "app-secret"));

        assertThat(c.createChannel()
                        .queueDeclare("app.q", true, false, false, null)
                        .getQueue())
                .isEqualTo("app.q");
    }

    @Test
    void aNewUserLogsInWithAmqplain() throws Exception {
        ConnectionFactory f = factory("app", "app-secret");
        f.setSaslConfig(new AmqplainConfig());

        Connection c = connect(f);

        assertThat(c.createChannel()
                        .queueDeclare("app.q", true, false, false, null)
                        .getQueue())
                .isEqualTo("app.q");
    }

    @Test
    void aWrongPasswordOrAnUnknownUserIsRefusedWithBothMechanisms() {
        for (SaslConfig sasl : new SaslConfig[] {null, new AmqplainConfig()}) {
            ConnectionFactory wrong = factory("app", "not-the-secret");
            ConnectionFactory unknown = factory("nobody", "app-secret");
            if (sasl != null) {
                wrong.setSaslConfig(sasl);
                unknown.setSaslConfig(sasl);
            }

            assertThatThrownBy(wrong::newConnection).isInstanceOf(AuthenticationFailureException.class);
            assertThatThrownBy(unknown::newConnection).isInstanceOf(AuthenticationFailureException.class);
        }
    }

    @Test
    void aClientWithoutTheAuthenticationFailureCloseCapabilityOnlySeesTheSocketClose() {
        // rabbit_reader:auth_fail; the Java client's SaslMechanisms tests: a possible authentication failure
        ConnectionFactory wrong = factory("app", "not-the-secret");
        Map<String, Object> properties = new HashMap<>(wrong.getClientProperties());
        properties.put("capabilities", Map.of("publisher_confirms", true));
        wrong.setClientProperties(properties);

        assertThatThrownBy(wrong::newConnection)
                .isInstanceOf(PossibleAuthenticationFailureException.class)
                .isNotInstanceOf(AuthenticationFailureException.class);
    }

    @Test
    void guestLogsInOverLoopback() throws Exception {
        assertThat(connect(factory("guest", "guest")).isOpen()).isTrue();
    }

    @Test
    void guestIsRefusedFromANonLoopbackAddressWhereOtherUsersAreNot() throws Exception {
        // Given a listener on an address of this machine that is not a loopback one (skipped where there is none;
        // the broker's AuthenticationTest covers the rule itself through Broker.authenticate)
        Optional<InetAddress> external = nonLoopbackAddress();
        assumeThat(external).as("a non-loopback address on this machine").isPresent();
        String host = external.get().getHostAddress();
        try (AmqpServer remote = AmqpServer.start(broker, AmqpServerConfig.of(host, 0))) {
            ConnectionFactory guest = factory("guest", "guest");
            guest.setHost(host);
            guest.setPort(remote.port());
            ConnectionFactory app = factory("app", "app-secret");
            app.setHost(host);
            app.setPort(remote.port());

            // Then guest, a loopback user, is refused as RabbitMQ refuses it; another user is not
            assertThatThrownBy(guest::newConnection).isInstanceOf(AuthenticationFailureException.class);
            assertThat(connect(app).isOpen()).isTrue();
        }
    }

    private static Optional<InetAddress> nonLoopbackAddress() throws SocketException {
        for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (!nic.isUp() || nic.isLoopback()) {
                continue;
            }
            for (InetAddress address : Collections.list(nic.getInetAddresses())) {
                if (address instanceof Inet4Address && !address.isLoopbackAddress() && !address.isLinkLocalAddress()) {
                    return Optional.of(address);
                }
            }
        }
        return Optional.empty();
    }

    // ------------------------------------------------------------------ vhosts

    @Test
    void aUserWithoutPermissionsOnTheVhostIsRefusedWith530() throws Exception {
        broker.addVhost("staging");
        broker.setPermissions("staging", "app", ".*", ".*", ".*");
        broker.addUser("no-perms", "pw", List.of());
        ConnectionFactory noPerms = factory("no-perms", "pw");
        ConnectionFactory appOnStaging = factory("app", "app-secret");
        appOnStaging.setVirtualHost("staging");
        ConnectionFactory appOnMissing = factory("app", "app-secret");
        appOnMissing.setVirtualHost("missing");

        // a vhost without permissions and a missing vhost get the same answer, as from RabbitMQ
        assertConnectionRefused(noPerms, "NOT_ALLOWED - access to vhost '/' refused for user 'no-perms'");
        assertConnectionRefused(appOnMissing, "NOT_ALLOWED - access to vhost 'missing' refused for user 'app'");
        broker.clearPermissions("/", "app");
        assertConnectionRefused(
                factory("app", "app-secret"), "NOT_ALLOWED - access to vhost '/' refused for user 'app'");
        assertThat(connect(appOnStaging).isOpen()).isTrue();
    }

    private static void assertConnectionRefused(ConnectionFactory f, String replyText) {
        ShutdownSignalException e = closedBy(f::newConnection);

        assertThat(e.isHardError()).isTrue();
        AMQP.Connection.Close close = (AMQP.Connection.Close) e.getReason();
        assertThat(close.getReplyCode()).isEqualTo(530);
        assertThat(close.getReplyText()).isEqualTo(replyText);
    }

    // ------------------------------------------------------------------ operations

    @Test
    void anOperationWithoutPermissionClosesTheChannelWith403AndTheConnectionServesOn() throws Exception {
        Connection c = connect(factory("app", "app-secret"));

        Channel declaring = c.createChannel();
        assertChannelClosed(
                () -> declaring.queueDeclare("other", true, false, false, null),
                "ACCESS_REFUSED - configure access to queue 'other' in vhost '/' refused for user 'app'");
        Channel consuming = c.createChannel();
        assertChannelClosed(
                () -> consuming.basicConsume("other", true, (tag, delivery) -> {}, tag -> {}),
                "ACCESS_REFUSED - read access to queue 'other' in vhost '/' refused for user 'app'");

        // a publish has no answer: the channel is closed asynchronously, as RabbitMQ does it
        Channel publishing = c.createChannel();
        publishing.basicPublish("amq.topic", "k", null, "m".getBytes(StandardCharsets.UTF_8));
        await().atMost(Duration.ofSeconds(10)).until(() -> !publishing.isOpen());
        AMQP.Channel.Close close =
                (AMQP.Channel.Close) publishing.getCloseReason().getReason();
        assertThat(close.getReplyCode()).isEqualTo(403);
        assertThat(close.getReplyText())
                .isEqualTo("ACCESS_REFUSED - write access to exchange 'amq.topic' in vhost '/' refused for user 'app'");

        // Then the connection serves on, and what the user may do works
        assertThat(c.isOpen()).isTrue();
        Channel ch = c.createChannel();
        ch.queueDeclare("app.q", true, false, false, null);
        ch.basicPublish("", "app.q", null, "mine".getBytes(StandardCharsets.UTF_8));
        await().atMost(Duration.ofSeconds(10)).until(() -> ch.basicGet("app.q", true) != null);
    }

    /** One operation of the user "app" on a channel of its own, and what RabbitMQ refuses it with. */
    private record Refused(String operation, ChannelCall call, String replyText) {}

    @FunctionalInterface
    private interface ChannelCall {
        void on(Channel ch) throws IOException;
    }

    @Test
    void everyKindOfOperationIsCheckedAgainstItsOwnPermission() throws Exception {
        // Given resources of another team, made by guest, and the app's own
        try (Channel admin = connect(factory("guest", "guest")).createChannel()) {
            admin.exchangeDeclare("other.x", "direct", true);
            admin.queueDeclare("other.q", true, false, false, null);
        }
        Connection c = connect(factory("app", "app-secret"));
        try (Channel own = c.createChannel()) {
            own.exchangeDeclare("app.x", "direct", true);
            own.queueDeclare("app.q", true, false, false, null);
        }
        String refused = " in vhost '/' refused for user 'app'";
        List<Refused> operations = List.of(
                new Refused(
                        "exchange.declare",
                        ch -> ch.exchangeDeclare("other.y", "direct"),
                        "configure access to exchange 'other.y'"),
                new Refused(
                        "exchange.delete",
                        ch -> ch.exchangeDelete("other.x"),
                        "configure access to exchange 'other.x'"),
                new Refused(
                        "exchange.bind, destination",
                        ch -> ch.exchangeBind("other.x", "app.x", "k"),
                        "write access to exchange 'other.x'"),
                new Refused(
                        "exchange.bind, source",
                        ch -> ch.exchangeBind("app.x", "other.x", "k"),
                        "read access to exchange 'other.x'"),
                new Refused(
                        "exchange.unbind",
                        ch -> ch.exchangeUnbind("app.x", "other.x", "k"),
                        "read access to exchange 'other.x'"),
                new Refused("queue.delete", ch -> ch.queueDelete("other.q"), "configure access to queue 'other.q'"),
                new Refused("queue.purge", ch -> ch.queuePurge("other.q"), "read access to queue 'other.q'"),
                new Refused(
                        "queue.bind, destination",
                        ch -> ch.queueBind("other.q", "app.x", "k"),
                        "write access to queue 'other.q'"),
                new Refused(
                        "queue.bind, source",
                        ch -> ch.queueBind("app.q", "other.x", "k"),
                        "read access to exchange 'other.x'"),
                new Refused(
                        "queue.unbind",
                        ch -> ch.queueUnbind("app.q", "other.x", "k"),
                        "read access to exchange 'other.x'"),
                new Refused("basic.get", ch -> ch.basicGet("other.q", true), "read access to queue 'other.q'"));

        for (Refused op : operations) {
            Channel ch = c.createChannel();
            try {
                assertChannelClosed(() -> op.call().on(ch), "ACCESS_REFUSED - " + op.replyText() + refused);
            } catch (AssertionError e) {
                throw new AssertionError(op.operation() + ": " + e.getMessage(), e);
            }
        }

        // Then nothing of the other team's changed, and the connection serves on
        assertThat(c.isOpen()).isTrue();
        try (Channel admin = connect(factory("guest", "guest")).createChannel()) {
            admin.exchangeDeclarePassive("other.x");
            assertThat(admin.queueDeclarePassive("other.q").getMessageCount()).isZero();
        }
    }

    @Test
    void aTransactionalPublishWithoutWritePermissionIsRefusedAtOnceAndNothingOfTheTransactionHappens()
            throws Exception {
        Connection c = connect(factory("app", "app-secret"));
        Channel tx = c.createChannel();
        tx.queueDeclare("app.q", true, false, false, null);
        tx.txSelect();

        // When a transaction publishes where the user may, then where it may not
        tx.basicPublish("", "app.q", null, "allowed".getBytes(StandardCharsets.UTF_8));
        tx.basicPublish("amq.topic", "k", null, "refused".getBytes(StandardCharsets.UTF_8));

        // Then the refusal comes for the publish (as RabbitMQ's), so the commit finds the channel closed, and the
        // transaction's first publish never reaches its queue
        ShutdownSignalException e = closedBy(tx::txCommit);
        AMQP.Channel.Close close = (AMQP.Channel.Close) e.getReason();
        assertThat(close.getReplyCode()).isEqualTo(403);
        assertThat(close.getReplyText())
                .isEqualTo("ACCESS_REFUSED - write access to exchange 'amq.topic' in vhost '/' refused for user 'app'");
        try (Channel observer = c.createChannel()) {
            await().during(Duration.ofMillis(200)).until(() -> observer.messageCount("app.q") == 0);
        }
    }

    @Test
    void aReplyThroughDirectReplyToNeedsWritePermissionOnTheDefaultExchange() throws Exception {
        // Given a responder that may read its requests but not write to the default exchange
        broker.addUser("reader", "reader-secret", List.of());
        broker.setPermissions("/", "reader", "^$", "^$", "^requests$");
        Channel requester = connect(factory("guest", "guest")).createChannel();
        requester.queueDeclare("requests", false, false, false, null);
        List<String> replies = Collections.synchronizedList(new ArrayList<>());
        requester.basicConsume(
                "amq.rabbitmq.reply-to",
                true,
                (tag, d) -> replies.add(new String(d.getBody(), StandardCharsets.UTF_8)),
                tag -> {});
        requester.basicPublish(
                "",
                "requests",
                new AMQP.BasicProperties.Builder()
                        .replyTo("amq.rabbitmq.reply-to")
                        .build(),
                "ping".getBytes(StandardCharsets.UTF_8));
        Channel responder = connect(factory("reader", "reader-secret")).createChannel();
        await().atMost(Duration.ofSeconds(10)).until(() -> responder.messageCount("requests") == 1);
        String replyTo = responder.basicGet("requests", true).getProps().getReplyTo();

        // When it replies
        responder.basicPublish("", replyTo, null, "pong".getBytes(StandardCharsets.UTF_8));

        // Then the reply is refused as any publish to the default exchange, and never arrives
        await().atMost(Duration.ofSeconds(10)).until(() -> !responder.isOpen());
        AMQP.Channel.Close close =
                (AMQP.Channel.Close) responder.getCloseReason().getReason();
        assertThat(close.getReplyCode()).isEqualTo(403);
        assertThat(close.getReplyText())
                .isEqualTo("ACCESS_REFUSED - write access to exchange 'amq.default' in vhost '/' refused for user"
                        + " 'reader'");
        await().during(Duration.ofMillis(200)).until(replies::isEmpty);
    }

    private static void assertChannelClosed(ThrowingCallable call, String replyText) {
        ShutdownSignalException e = closedBy(call);

        assertThat(e.isHardError()).isFalse();
        AMQP.Channel.Close close = (AMQP.Channel.Close) e.getReason();
        assertThat(close.getReplyCode()).isEqualTo(403);
        assertThat(close.getReplyText()).isEqualTo(replyText);
    }

    // ------------------------------------------------------------------ AMQPLAIN

    /**
     * RabbitMQ's AMQPLAIN, which the Java client does not ship: the response is a field table with LOGIN and PASSWORD
     * long strings, without the table's length prefix.
     */
    private static final class AmqplainConfig implements SaslConfig {
        @Override
        public SaslMechanism getSaslMechanism(String[] serverMechanisms) {
            assertThat(Arrays.asList(serverMechanisms)).contains("AMQPLAIN");
            return new SaslMechanism() {
                @Override
                public String getName() {
                    return "AMQPLAIN";
                }

                @Override
                public LongString handleChallenge(LongString challenge, String username, String password) {
                    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                    try (DataOutputStream out = new DataOutputStream(bytes)) {
                        field(out, "LOGIN", username);
                        field(out, "PASSWORD", password);
                    } catch (IOException e) {
                        throw new AssertionError(e);
                    }
                    return LongStringHelper.asLongString(bytes.toByteArray());
                }
            };
        }

        private static void field(DataOutputStream out, String name, String value) throws IOException {
            byte[] key = name.getBytes(StandardCharsets.UTF_8);
            byte[] text = value.getBytes(StandardCharsets.UTF_8);
            out.writeByte(key.length);
            out.write(key);
            out.writeByte('S');
            out.writeInt(text.length);
            out.write(text);
        }
    }
}
