package io.hermod.broker;

import static io.hermod.broker.BrokerFixture.assertFails;
import static io.hermod.broker.BrokerFixture.drain;
import static io.hermod.broker.BrokerFixture.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import io.hermod.broker.definitions.TablePropertiesFormat;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code x-delayed-message} exchange (RabbitMQ's delayed-message plugin): a message with a positive {@code x-delay}
 * is stored and routed when due through the bindings of that moment, in due order; others route at once. Due times
 * survive a restart, and what fell due meanwhile goes out after the start. Time is the broker's clock, moved by the
 * test; {@link Broker#expire()} stands in for the store's timer.
 */
@Timeout(30)
class DelayedExchangeTest {

    @TempDir
    Path dir;

    private final AtomicLong now = new AtomicLong(1_700_000_000_000L);
    private Broker broker;
    private Channel ch;

    @BeforeEach
    void open() {
        start();
    }

    private void start() {
        broker = BrokerFixture.openWithClock(dir, now);
        broker.usePropertiesFormat(TablePropertiesFormat.INSTANCE);
        ch = broker.connect(Broker.DEFAULT_VHOST, "test").openChannel();
    }

    private void restart() {
        broker.close();
        start();
    }

    @AfterEach
    void close() {
        broker.close();
    }

    private VirtualHost vhost() {
        return broker.vhost(Broker.DEFAULT_VHOST).orElseThrow();
    }

    private void declareDelayed(String name, String type, boolean durable) {
        ch.declareExchange(
                new ExchangeSpec(name, "x-delayed-message", durable, false, false, Map.of("x-delayed-type", type)));
    }

    /** A delayed exchange {@code dx} (direct) bound to a durable queue {@code q} with key {@code k}. */
    private void declareBound() {
        declareDelayed("dx", "direct", true);
        ch.declareQueue(QueueSpec.durable("q"));
        ch.bindQueue("q", "dx", "k", Map.of());
    }

    private static Message delayed(String exchange, String key, Object delay, String body, boolean persistent) {
        return delayed(exchange, key, delay, body, persistent, 0);
    }

    private static Message delayed(
            String exchange, String key, Object delay, String body, boolean persistent, int priority) {
        Map<String, Object> headers = new HashMap<>();
        if (delay != null) {
            headers.put("x-delay", delay);
        }
        return new Message(
                exchange,
                key,
                Map.copyOf(headers),
                persistent,
                TablePropertiesFormat.properties(Map.copyOf(headers), null),
                body.getBytes(StandardCharsets.UTF_8),
                Message.NO_TTL,
                priority);
    }

    private PublishResult publish(String body, Object delay) {
        return ch.publish(delayed("dx", "k", delay, body, true)).join();
    }

    /** Moves the clock and runs the broker's timer check. */
    private void tick(long millis) {
        now.addAndGet(millis);
        broker.expire();
    }

    private void awaitReady(String queue, long count) {
        eventually().until(() -> vhost().queueInfo(queue).orElseThrow().messageCount() == count);
    }

    private void awaitPending(String exchange, long count) {
        eventually().until(() -> vhost().delayedMessageCount(exchange).orElseThrow() == count);
    }

    @Test
    void aDelayedMessageIsRoutedWhenDueAndNotBefore() {
        declareBound();
        assertThat(publish("m", 5_000).routed()).as("stored counts as routed").isTrue();
        awaitPending("dx", 1);

        tick(4_999);
        awaitPending("dx", 1);
        assertThat(drain(ch, "q")).isEmpty();

        tick(1);
        awaitReady("q", 1);
        awaitPending("dx", 0);
        assertThat(drain(ch, "q")).containsExactly("m");
    }

    @Test
    void messagesAreRoutedInTheOrderTheyFallDueNotTheOrderPublished() {
        declareBound();
        publish("third", 30_000);
        publish("first", 10_000);
        publish("second", 20_000);
        publish("also-first", 10_000);

        tick(10_000);
        awaitReady("q", 2);
        tick(20_000);
        awaitReady("q", 4);
        List<String> got = drain(ch, "q");
        assertThat(got.subList(0, 2)).containsExactlyInAnyOrder("first", "also-first");
        assertThat(got.subList(2, 4)).containsExactly("second", "third");
    }

    @Test
    void aMessageIsRoutedThroughTheBindingsOfItsDueTime() {
        declareDelayed("dx", "direct", true);
        ch.declareQueue(QueueSpec.durable("early"));
        ch.declareQueue(QueueSpec.durable("late"));
        ch.bindQueue("early", "dx", "k", Map.of());
        publish("m", 1_000);

        ch.unbindQueue("early", "dx", "k", Map.of());
        ch.bindQueue("late", "dx", "k", Map.of());
        tick(1_000);

        awaitReady("late", 1);
        assertThat(drain(ch, "early")).isEmpty();
        assertThat(drain(ch, "late")).containsExactly("m");
    }

    @Test
    void aMessageWithoutAPositiveDelayIsRoutedAtOnce() {
        declareBound();
        publish("absent", null);
        publish("zero", 0);
        publish("negative", -5_000);
        publish("not a number", "soon");
        publish("beyond the plugin's limit", 4_294_967_296L);

        awaitReady("q", 5);
        assertThat(vhost().delayedMessageCount("dx")).contains(0L);
    }

    @Test
    void delaysOfEveryNumericTypeAndOfDigitsAreTaken() {
        declareBound();
        publish("byte", (byte) 1);
        publish("short", (short) 1);
        publish("long", 1L);
        publish("double", 1.9);
        publish("digits", "1");
        awaitPending("dx", 5);

        tick(1);
        awaitReady("q", 5);
    }

    @Test
    void anUnboundDelayedMessageIsStoredNotReturnedAndDroppedWhenStillUnroutableWhenDue() {
        declareDelayed("dx", "direct", true);
        assertThat(publish("m", 1_000).routed())
                .as("a mandatory publish is not returned: the store took it")
                .isTrue();
        tick(1_000);
        awaitPending("dx", 0);
    }

    @Test
    void aDueMessageUnroutableThenGoesToTheAlternateExchange() {
        ch.declareExchange(ExchangeSpec.durable("ae", "fanout"));
        ch.declareQueue(QueueSpec.durable("unrouted"));
        ch.bindQueue("unrouted", "ae", "", Map.of());
        ch.declareExchange(new ExchangeSpec(
                "dx",
                "x-delayed-message",
                true,
                false,
                false,
                Map.of("x-delayed-type", "direct", "alternate-exchange", "ae")));
        publish("m", 1_000);
        awaitPending("dx", 1);
        assertThat(drain(ch, "unrouted")).as("not at publish time").isEmpty();

        tick(1_000);
        awaitReady("unrouted", 1);
    }

    @Test
    void theRoutedMessageCarriesItsDelayNegated() {
        declareBound();
        publish("m", 2_500);
        tick(2_500);
        awaitReady("q", 1);

        Delivery d = ch.get("q", true).orElseThrow();
        assertThat(TablePropertiesFormat.INSTANCE.headers(d.properties())).containsEntry("x-delay", -2_500);
    }

    @Test
    void aHeadersDelayedExchangeMatchesTheHeadersWhenDue() {
        declareDelayed("hx", "headers", true);
        ch.declareQueue(QueueSpec.durable("blue"));
        ch.bindQueue("blue", "hx", "", Map.of("colour", "blue"));
        ch.publish(new Message(
                        "hx",
                        "",
                        Map.of("colour", "blue", "x-delay", 100),
                        true,
                        TablePropertiesFormat.properties(Map.of("colour", "blue", "x-delay", 100), null),
                        new byte[] {1}))
                .join();
        awaitPending("hx", 1);
        restart(); // the headers come back from the store's log, not from memory
        tick(100);
        awaitReady("blue", 1);
    }

    @Test
    void aDelayedExchangeReachedThroughABindingDelaysToo() {
        declareBound();
        ch.declareExchange(ExchangeSpec.durable("front", "fanout"));
        ch.bindExchange("dx", "front", "", Map.of());
        ch.publish(delayed("front", "k", 1_000, "m", true)).join();
        awaitPending("dx", 1);
        assertThat(drain(ch, "q")).isEmpty();

        tick(1_000);
        awaitReady("q", 1);
    }

    @Test
    void pendingMessagesSurviveARestartAndThoseDueMeanwhileGoOutAfterTheStart() {
        declareBound();
        publish("due during the downtime", 10_000);
        publish("due later", 60_000);
        ch.publish(delayed("dx", "k", 10_000, "transient", false)).join();
        awaitPending("dx", 3);
        broker.close();

        now.addAndGet(30_000);
        start();
        awaitReady("q", 1);
        assertThat(drain(ch, "q")).containsExactly("due during the downtime");
        awaitPending("dx", 1); // the transient one is gone (the count drops once the routed one is marked released)

        tick(30_000);
        awaitReady("q", 1);
        assertThat(drain(ch, "q")).containsExactly("due later");
    }

    @Test
    void releasedMessagesAreNotRoutedAgainAfterARestart() {
        declareBound();
        for (int i = 0; i < 100; i++) {
            publish("m" + i, 1_000 + i);
        }
        tick(1_049);
        awaitReady("q", 50);
        awaitPending("dx", 50);
        restart();
        awaitPending("dx", 50);
        tick(100);
        awaitReady("q", 100);
        restart();
        assertThat(vhost().delayedMessageCount("dx")).contains(0L);
        assertThat(drain(ch, "q")).hasSize(100).doesNotHaveDuplicates();
    }

    @Test
    @Timeout(120)
    void releasedSegmentsAreDeletedAndSnapshotsOfTheReleasedSetSurviveARestart() throws Exception {
        declareBound();
        int count = 150_000; // ~40 MB of records: two segments; 1.2 MB of release deltas: a snapshot
        byte[] body = new byte[200];
        java.util.ArrayDeque<java.util.concurrent.CompletableFuture<PublishResult>> window =
                new java.util.ArrayDeque<>();
        for (int i = 0; i < count; i++) {
            window.add(ch.publish(new Message("dx", "k", Map.of("x-delay", 1_000 + i % 1_000), true, null, body)));
            if (window.size() >= 5_000) {
                window.poll().join();
            }
        }
        window.forEach(java.util.concurrent.CompletableFuture::join);
        Path log = dir.resolve(io.hermod.broker.delay.DelayStore.logName("/", "dx"));
        assertThat(segments(log)).isGreaterThan(1);

        tick(2_000);
        eventually()
                .atMost(java.time.Duration.ofSeconds(90))
                .until(() -> vhost().delayedMessageCount("dx").orElseThrow() == 0);
        awaitReady("q", count);
        broker.expire(); // one more run of the store: the trim follows the last releases
        eventually().until(() -> segments(log) == 1);

        restart();
        assertThat(vhost().delayedMessageCount("dx"))
                .as("nothing released comes back")
                .contains(0L);
        tick(10_000);
        awaitReady("q", count);
    }

    private static long segments(Path log) throws java.io.IOException {
        try (Stream<Path> files = Files.list(log)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".log"))
                    .count();
        }
    }

    @Test
    void aTransientDelayedExchangeLosesItsMessagesWithTheRestart() {
        declareDelayed("dx", "direct", false);
        ch.publish(delayed("dx", "k", 1_000, "m", true)).join();
        restart();
        assertFails(ErrorCode.NOT_FOUND, () -> ch.declareExchangePassive("dx"));
        declareDelayed("dx", "direct", false);
        assertThat(vhost().delayedMessageCount("dx")).contains(0L);
    }

    @Test
    void deletingTheExchangeDeletesItsStore() throws Exception {
        declareBound();
        publish("m", 1_000);
        awaitPending("dx", 1);
        ch.deleteExchange("dx", false);
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith("x-"));
        }

        declareBound();
        assertThat(vhost().delayedMessageCount("dx")).contains(0L);
        tick(1_000);
        assertThat(drain(ch, "q")).isEmpty();
    }

    @Test
    void aDeclareWithoutAValidDelayedTypeIsRefusedAsThePluginRefusesIt() {
        assertThat(refusal("dx", Map.of()))
                .isEqualTo("PRECONDITION_FAILED: Invalid argument, 'x-delayed-type' must be an existing exchange type");
        assertThat(refusal("dx", Map.of("x-delayed-type", 5)))
                .isEqualTo("PRECONDITION_FAILED: Invalid argument, 'x-delayed-type' must be an existing exchange type");
        assertThat(refusal("dx", Map.of("x-delayed-type", "x-delayed-message")))
                .isEqualTo("PRECONDITION_FAILED: Invalid argument, 'x-delayed-message' can't be used for"
                        + " 'x-delayed-type'");
        assertThat(refusal("dx", Map.of("x-delayed-type", "x-consistent-hash")))
                .isEqualTo("PRECONDITION_FAILED: unknown exchange type 'x-consistent-hash'");
        assertFails(ErrorCode.NOT_FOUND, () -> ch.declareExchangePassive("dx"));
    }

    @Test
    void aRedeclareComparesTheTypeAndFlagsButNotTheDelayedType() {
        declareDelayed("dx", "direct", true);
        declareDelayed("dx", "topic", true); // as the plugin: x-delayed-type is not compared
        assertThat(ch.declareExchangePassive("dx").arguments()).containsEntry("x-delayed-type", "direct");
        assertFails(ErrorCode.PRECONDITION_FAILED, () -> ch.declareExchange(ExchangeSpec.durable("dx", "direct")));
        assertFails(ErrorCode.PRECONDITION_FAILED, () -> declareDelayed("dx", "direct", false));
    }

    @Test
    void aTopicDelayedExchangeRoutesByPattern() {
        declareDelayed("tx", "topic", true);
        ch.declareQueue(QueueSpec.durable("q"));
        ch.bindQueue("q", "tx", "a.*", Map.of());
        ch.publish(delayed("tx", "a.b", 10, "hit", true)).join();
        ch.publish(delayed("tx", "b.a", 10, "miss", true)).join();
        tick(10);
        awaitReady("q", 1);
        awaitPending("tx", 0);
        assertThat(drain(ch, "q")).containsExactly("hit");
    }

    private String refusal(String name, Map<String, Object> arguments) {
        try {
            ch.declareExchange(new ExchangeSpec(name, "x-delayed-message", true, false, false, arguments));
            return "accepted";
        } catch (BrokerException e) {
            return e.code() + ": " + e.getMessage();
        }
    }

    @Test
    void aDelayedMessageKeepsItsPriority() {
        declareDelayed("dx", "direct", true);
        ch.declareQueue(new QueueSpec("pq", true, false, false, Map.of("x-max-priority", 10)));
        ch.bindQueue("pq", "dx", "k", Map.of());
        ch.publish(delayed("dx", "k", 1_000, "low", true, 1)).join();
        ch.publish(delayed("dx", "k", 2_000, "high", true, 9)).join();
        awaitPending("dx", 2);

        tick(2_000); // low falls due first
        awaitReady("pq", 2);

        assertThat(drain(ch, "pq")).containsExactly("high", "low");
    }
}
