package io.hermod.broker;

import static io.hermod.broker.BrokerFixture.assertFails;
import static io.hermod.broker.BrokerFixture.message;
import static io.hermod.broker.BrokerFixture.publish;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which permission each operation needs on which resource, as RabbitMQ's rabbit_channel checks them (the table in
 * {@link AccessControl}; https://www.rabbitmq.com/docs/access-control#authorisation), and the vhost access check of a
 * new session ({@code rabbit_access_control:check_vhost_access/4}). Each operation is tried by a user whose permissions
 * miss exactly what it needs (refused, with RabbitMQ's text), and by one who has only that (allowed).
 */
@Timeout(30)
class PermissionTest {

    @TempDir
    Path dir;

    private BrokerFixture fixture;
    private Broker broker;
    private Channel admin;

    @BeforeEach
    void setUp() {
        fixture = new BrokerFixture(dir);
        broker = fixture.start();
        admin = fixture.channel(); // trusted: the embedding application's own session
        broker.addUser("u", "secret", List.of());
    }

    @AfterEach
    void tearDown() {
        fixture.close();
    }

    /** A channel of a new session of user {@code u}, given these permissions on {@code /} first. */
    private Channel as(String configure, String write, String read) {
        broker.setPermissions("/", "u", configure, write, read);
        return broker.connect("/", "test", "u", true).openChannel();
    }

    private static String refusal(String permission, String kind, String name) {
        return permission + " access to " + kind + " '" + name + "' in vhost '/' refused for user 'u'";
    }

    private static void assertRefused(String message, ThrowingCallable call) {
        assertThatThrownBy(call).isInstanceOfSatisfying(BrokerException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.ACCESS_REFUSED);
            assertThat(e.getMessage()).isEqualTo(message);
        });
    }

    private static ExchangeSpec withAlternate(String name, String alternate) {
        return new ExchangeSpec(name, "direct", true, false, false, Map.of("alternate-exchange", alternate));
    }

    private static QueueSpec withDeadLetterExchange(String name, String exchange) {
        return new QueueSpec(name, true, false, false, Map.of("x-dead-letter-exchange", exchange));
    }

    // ------------------------------------------------------------------ exchanges

    @Test
    void exchangeDeclareNeedsConfigureOnTheExchangeNewOrExisting() {
        // When a user may write and read everything but configure nothing of that name
        Channel writer = as("^other$", ".*", ".*");

        // Then
        assertRefused(
                refusal("configure", "exchange", "x"),
                () -> writer.declareExchange(ExchangeSpec.durable("x", "direct")));
        assertThat(fixture.vhost().exchangeNames()).doesNotContain("x");
        admin.declareExchange(ExchangeSpec.durable("x", "direct"));
        assertRefused(
                refusal("configure", "exchange", "x"),
                () -> writer.declareExchange(ExchangeSpec.durable("x", "direct")));

        // and configure on it alone is enough
        Channel configurer = as("^x$", "", "");
        configurer.declareExchange(ExchangeSpec.durable("x", "direct"));
        assertRefused(
                refusal("configure", "exchange", "x2"),
                () -> configurer.declareExchange(ExchangeSpec.durable("x2", "fanout")));
    }

    @Test
    void aNewExchangeWithAnAlternateNeedsReadOnItAndWriteOnTheAlternate() {
        assertRefused(
                refusal("read", "exchange", "x"), () -> as("^x$", "", "").declareExchange(withAlternate("x", "ae")));
        assertRefused(
                refusal("write", "exchange", "ae"),
                () -> as("^x$", "", "^x$").declareExchange(withAlternate("x", "ae")));
        assertThat(fixture.vhost().exchangeNames()).doesNotContain("x");

        as("^x$", "^ae$", "^x$").declareExchange(withAlternate("x", "ae"));

        // re-declaring the existing exchange needs configure only, as in rabbit_channel
        as("^x$", "", "").declareExchange(withAlternate("x", "ae"));
    }

    @Test
    void passiveDeclaresNeedAnyOnePermissionOnTheResource() {
        admin.declareExchange(ExchangeSpec.durable("x", "direct"));
        admin.declareQueue(QueueSpec.durable("q"));

        // Given a user with a permission entry that matches nothing: refused, naming configure as a declare would
        Channel nothing = as("", "", "");
        assertRefused(refusal("configure", "exchange", "x"), () -> nothing.declareExchangePassive("x"));
        assertRefused(refusal("configure", "queue", "q"), () -> nothing.declareQueuePassive("q"));
        // and before the lookup: a missing resource cannot be told from a forbidden one
        assertRefused(refusal("configure", "queue", "missing"), () -> nothing.declareQueuePassive("missing"));

        // Then any one of the three is enough
        for (String[] one : new String[][] {{"^[xq]", "", ""}, {"", "^[xq]", ""}, {"", "", "^[xq]"}}) {
            Channel ch = as(one[0], one[1], one[2]);
            assertThat(ch.declareExchangePassive("x").name()).isEqualTo("x");
            assertThat(ch.declareQueuePassive("q").name()).isEqualTo("q");
            assertFails(ErrorCode.NOT_FOUND, () -> ch.declareQueuePassive("qq"));
        }
    }

    @Test
    void exchangeDeleteNeedsConfigureOnTheExchange() {
        admin.declareExchange(ExchangeSpec.durable("x", "direct"));

        assertRefused(
                refusal("configure", "exchange", "x"), () -> as("", ".*", ".*").deleteExchange("x", false));
        assertRefused(
                refusal("configure", "exchange", "missing"),
                () -> as("", ".*", ".*").deleteExchange("missing", false));
        assertThat(fixture.vhost().exchangeNames()).contains("x");

        as("^x$", "", "").deleteExchange("x", false);

        assertThat(fixture.vhost().exchangeNames()).doesNotContain("x");
    }

    @Test
    void exchangeBindAndUnbindNeedWriteOnTheDestinationAndReadOnTheSource() {
        admin.declareExchange(ExchangeSpec.durable("src", "direct"));
        admin.declareExchange(ExchangeSpec.durable("dst", "fanout"));

        assertRefused(
                refusal("write", "exchange", "dst"),
                () -> as(".*", "^src$", ".*").bindExchange("dst", "src", "k", Map.of()));
        assertRefused(
                refusal("read", "exchange", "src"),
                () -> as(".*", "^dst$", "^dst$").bindExchange("dst", "src", "k", Map.of()));
        assertThat(fixture.vhost().bindings()).isEmpty();

        Channel ch = as("", "^dst$", "^src$");
        ch.bindExchange("dst", "src", "k", Map.of());
        assertThat(fixture.vhost().bindings()).hasSize(1);

        assertRefused(
                refusal("write", "exchange", "dst"),
                () -> as("", "", "^src$").unbindExchange("dst", "src", "k", Map.of()));
        assertRefused(
                refusal("read", "exchange", "src"),
                () -> as("", "^dst$", "").unbindExchange("dst", "src", "k", Map.of()));
        as("", "^dst$", "^src$").unbindExchange("dst", "src", "k", Map.of());
        assertThat(fixture.vhost().bindings()).isEmpty();
    }

    // ------------------------------------------------------------------ queues

    @Test
    void queueDeclareNeedsConfigureOnTheQueue() {
        assertRefused(
                refusal("configure", "queue", "q"),
                () -> as("^other$", ".*", ".*").declareQueue(QueueSpec.durable("q")));
        assertThat(fixture.vhost().queueNames()).doesNotContain("q");

        Channel ch = as("^q$", "", "");
        assertThat(ch.declareQueue(QueueSpec.durable("q")).name()).isEqualTo("q");
        assertThat(ch.declareQueue(QueueSpec.durable("q")).name()).isEqualTo("q"); // existing: configure again
    }

    @Test
    void aServerNamedQueueIsCheckedUnderTheNameTheServerChose() {
        Channel appOnly = as("^app\\.", ".*", ".*");

        assertThatThrownBy(() -> appOnly.declareQueue(QueueSpec.transientQueue("")))
                .isInstanceOfSatisfying(BrokerException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.ACCESS_REFUSED);
                    assertThat(e.getMessage())
                            .startsWith("configure access to queue 'amq.gen-")
                            .endsWith("' in vhost '/' refused for user 'u'");
                });
        assertThat(fixture.vhost().queueNames()).isEmpty();

        // RabbitMQ's guide: '^(amq\.gen.*|amq\.default)$' gives access to server-generated names
        Channel generated = as("^(amq\\.gen.*|amq\\.default)$", "^(amq\\.gen.*|amq\\.default)$", "^amq\\.gen.*$");
        String name = generated.declareQueue(QueueSpec.transientQueue("")).name();
        assertThat(name).startsWith("amq.gen-");
        publish(generated, "", name, "to myself");
        assertThat(generated.get(name, true)).isPresent();
    }

    @Test
    void aNewQueueWithADeadLetterExchangeNeedsReadOnItAndWriteOnTheExchange() {
        assertRefused(
                refusal("read", "queue", "q"),
                () -> as("^q$", "", "").declareQueue(withDeadLetterExchange("q", "dlx")));
        assertRefused(
                refusal("write", "exchange", "dlx"),
                () -> as("^q$", "", "^q$").declareQueue(withDeadLetterExchange("q", "dlx")));
        assertRefused(
                refusal("write", "exchange", "amq.default"),
                () -> as("^q$", "", "^q$").declareQueue(withDeadLetterExchange("q", "")));
        assertThat(fixture.vhost().queueNames()).isEmpty();

        as("^q$", "^dlx$", "^q$").declareQueue(withDeadLetterExchange("q", "dlx"));

        assertThat(fixture.vhost().queueNames()).containsExactly("q");
    }

    @Test
    void queueDeleteNeedsConfigureAndPurgeNeedsReadOnTheQueue() {
        admin.declareQueue(QueueSpec.durable("q"));
        publish(admin, "", "q", "m");

        assertRefused(refusal("read", "queue", "q"), () -> as(".*", ".*", "^$").purgeQueue("q"));
        assertThat(as("", "", "^q$").purgeQueue("q")).isEqualTo(1);

        assertRefused(
                refusal("configure", "queue", "q"), () -> as("", ".*", ".*").deleteQueue("q", false, false));
        assertRefused(
                refusal("configure", "queue", "missing"),
                () -> as("", ".*", ".*").deleteQueue("missing", false, false));
        as("^q$", "", "").deleteQueue("q", false, false);
        assertThat(fixture.vhost().queueNames()).isEmpty();
    }

    @Test
    void queueBindAndUnbindNeedWriteOnTheQueueAndReadOnTheExchange() {
        admin.declareQueue(QueueSpec.durable("q"));
        admin.declareExchange(ExchangeSpec.durable("x", "direct"));

        assertRefused(
                refusal("write", "queue", "q"), () -> as(".*", "^x$", ".*").bindQueue("q", "x", "k", Map.of()));
        assertRefused(
                refusal("read", "exchange", "x"), () -> as(".*", "^q$", "^q$").bindQueue("q", "x", "k", Map.of()));
        assertThat(fixture.vhost().bindings()).isEmpty();

        as("", "^q$", "^x$").bindQueue("q", "x", "k", Map.of());
        assertThat(fixture.vhost().bindings()).hasSize(1);

        assertRefused(refusal("write", "queue", "q"), () -> as("", "", "^x$").unbindQueue("q", "x", "k", Map.of()));
        assertRefused(refusal("read", "exchange", "x"), () -> as("", "^q$", "").unbindQueue("q", "x", "k", Map.of()));
        as("", "^q$", "^x$").unbindQueue("q", "x", "k", Map.of());
        assertThat(fixture.vhost().bindings()).isEmpty();
    }

    @Test
    void theDefaultExchangeIsRefusedAsABindingEndAfterTheWriteCheck() {
        admin.declareQueue(QueueSpec.durable("q"));

        // rabbit_channel: write on the destination first, then the default exchange, then read on the source
        assertRefused(refusal("write", "queue", "q"), () -> as("", "", ".*").bindQueue("q", "", "q", Map.of()));
        assertRefused(
                "operation not permitted on the default exchange",
                () -> as("", "^q$", "").bindQueue("q", "", "q", Map.of()));
    }

    // ------------------------------------------------------------------ messages

    @Test
    void publishNeedsWriteOnTheExchangeAndTheDefaultExchangeIsCheckedAsAmqDefault() {
        admin.declareQueue(QueueSpec.durable("q"));
        admin.declareExchange(ExchangeSpec.durable("x", "fanout"));
        admin.bindQueue("q", "x", "", Map.of());

        Channel reader = as(".*", "^q$", ".*");
        assertRefused(refusal("write", "exchange", "x"), () -> reader.publish(message("x", "", "m")));
        assertRefused(refusal("write", "exchange", "amq.default"), () -> reader.publish(message("", "q", "m")));
        // before the lookup: a missing exchange is refused the same way
        assertRefused(refusal("write", "exchange", "missing"), () -> reader.publish(message("missing", "", "m")));

        Channel writer = as("", "^(x|amq\\.default)$", "");
        publish(writer, "x", "", "via x");
        publish(writer, "", "q", "via the default exchange");
        fixture.awaitReady("q", 2);
    }

    @Test
    void checkPublishRefusesWhatPublishWouldInTheSameOrderAndPublishesNothing() {
        admin.declareQueue(QueueSpec.durable("q"));
        admin.declareExchange(ExchangeSpec.durable("x", "fanout"));
        admin.declareExchange(new ExchangeSpec("internal", "fanout", true, false, true, Map.of()));
        admin.bindQueue("q", "x", "", Map.of());

        Channel reader = as(".*", "^q$", ".*");
        assertRefused(refusal("write", "exchange", "x"), () -> reader.checkPublish("x"));
        assertRefused(refusal("write", "exchange", "amq.default"), () -> reader.checkPublish(""));
        assertRefused(refusal("write", "exchange", "missing"), () -> reader.checkPublish("missing"));

        // with write permission, the exchange's own checks: it exists, and it is not internal
        Channel writer = as("", ".*", "");
        writer.checkPublish("x");
        writer.checkPublish("");
        assertFails(ErrorCode.NOT_FOUND, () -> writer.checkPublish("missing"));
        assertFails(ErrorCode.ACCESS_REFUSED, () -> writer.checkPublish("internal"));
        assertThat(fixture.vhost().queueInfo("q").orElseThrow().messageCount()).isZero();
    }

    @Test
    void consumeAndGetNeedReadOnTheQueue() {
        admin.declareQueue(QueueSpec.durable("q"));
        publish(admin, "", "q", "m");

        Channel writer = as(".*", ".*", "^$");
        assertRefused(refusal("read", "queue", "q"), () -> writer.get("q", true));
        assertRefused(
                refusal("read", "queue", "q"),
                () -> writer.consume("q", ConsumeOptions.manualAck(10), new BrokerFixture.Received()));
        assertRefused(refusal("read", "queue", "missing"), () -> writer.get("missing", true));

        Channel reader = as("", "", "^q");
        assertThat(reader.get("q", false)).isPresent();
        BrokerFixture.Received received = new BrokerFixture.Received();
        reader.consume("q", ConsumeOptions.manualAck(10), received);
        reader.recover(true);
        assertThat(received.awaitCount(1).get(0).body()).isEqualTo("m");
        assertFails(ErrorCode.NOT_FOUND, () -> reader.get("q2", true)); // readable name, no such queue
    }

    // ------------------------------------------------------------------ patterns

    @Test
    void patternsMatchAnywhereInTheNameUnlessAnchoredAndTheEmptyPatternMatchesNothing() {
        Channel ch = as("ue", "", "");

        ch.declareQueue(QueueSpec.durable("queue"));
        ch.declareQueue(QueueSpec.durable("blue"));
        assertRefused(refusal("configure", "queue", "other"), () -> ch.declareQueue(QueueSpec.durable("other")));

        Channel anchored = as("^ue$", "", "");
        assertRefused(refusal("configure", "queue", "queue"), () -> anchored.declareQueue(QueueSpec.durable("queue")));
    }

    // ------------------------------------------------------------------ vhost access

    @Test
    void aUserWithoutPermissionsOnAVhostCannotOpenASessionThere() {
        broker.addVhost("other");

        assertRefused("access to vhost '/' refused for user 'u'", () -> broker.connect("/", "test", "u", true));
        // a missing vhost gets the same answer: it cannot be told from a forbidden one
        assertRefused(
                "access to vhost 'nowhere' refused for user 'u'", () -> broker.connect("nowhere", "test", "u", true));

        broker.setPermissions("other", "u", ".*", ".*", ".*");
        assertRefused("access to vhost '/' refused for user 'u'", () -> broker.connect("/", "test", "u", true));
        assertThat(broker.connect("other", "test", "u", true).user()).isEqualTo("u");
    }

    @Test
    void aPermissionEntryThatMatchesNothingOpensTheVhostButNoResource() {
        Channel ch = as("", "", "");

        assertRefused(refusal("configure", "queue", "q"), () -> ch.declareQueue(QueueSpec.durable("q")));
    }

    @Test
    void aPermissionChangeAppliesToTheNextOperationOfAnOpenSession() {
        admin.declareQueue(QueueSpec.durable("q"));
        Channel ch = as("", ".*", "");
        publish(ch, "", "q", "allowed");

        // When the write permission is narrowed, then cleared, then given back
        broker.setPermissions("/", "u", "", "^x$", "");
        assertRefused(refusal("write", "exchange", "amq.default"), () -> ch.publish(message("", "q", "m")));
        broker.clearPermissions("/", "u");
        assertRefused(refusal("write", "exchange", "amq.default"), () -> ch.publish(message("", "q", "m")));
        broker.setPermissions("/", "u", "", ".*", "");

        // Then each operation saw the permissions of its moment
        publish(ch, "", "q", "allowed again");
        fixture.awaitReady("q", 2);
    }

    @Test
    void deletingAUserClosesItsSessionsAndRemovesItsPermissions() {
        broker.setPermissions("/", "u", ".*", ".*", ".*");
        Session session = broker.connect("/", "test", "u", true);
        Session trusted = fixture.session("admin");

        broker.deleteUser("u");

        assertThat(session.isClosed()).isTrue();
        assertThat(trusted.isClosed()).isFalse();
        assertThat(broker.permissions()).extracting(p -> p.user()).containsOnly(Broker.DEFAULT_USER);
        broker.addUser("u", "secret", List.of());
        assertRefused("access to vhost '/' refused for user 'u'", () -> broker.connect("/", "test", "u", true));
    }

    @Test
    void deletingAVhostRemovesThePermissionsInIt() {
        broker.addVhost("v");
        broker.setPermissions("v", "u", ".*", ".*", ".*");

        broker.deleteVhost("v");
        broker.addVhost("v");

        assertThat(broker.permissions()).extracting(p -> p.vhost()).doesNotContain("v");
        assertRefused("access to vhost 'v' refused for user 'u'", () -> broker.connect("v", "test", "u", true));
    }

    @Test
    void trustedSessionsPassEveryCheck() {
        Session trusted = fixture.session("embedded");

        assertThat(trusted.user()).isEqualTo(Session.INTERNAL_USER);
        Channel ch = trusted.openChannel();
        ch.declareExchange(withAlternate("x", "ae"));
        ch.declareQueue(withDeadLetterExchange("q", "dlx"));
        ch.bindQueue("q", "x", "k", Map.of());
        publish(ch, "x", "k", "m");
        assertThat(ch.get("q", true)).isPresent();
    }
}
