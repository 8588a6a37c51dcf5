package io.hermod.broker;

import static io.hermod.broker.BrokerFixture.drain;
import static io.hermod.broker.BrokerFixture.publish;
import static org.assertj.core.api.Assertions.assertThat;

import io.hermod.broker.definitions.BindingDefinition;
import io.hermod.broker.definitions.DefinitionRecord;
import io.hermod.broker.definitions.DefinitionsLog;
import io.hermod.broker.definitions.ExchangeDefinition;
import io.hermod.broker.definitions.QueueDefinition;
import io.hermod.storage.LogStore;
import io.hermod.storage.LogStoreConfig;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a clean restart keeps of the definitions: durable exchanges and queues, bindings whose both ends are durable;
 * not transient or exclusive queues, transient exchanges, or bindings that touch them. RabbitMQ recovers durable
 * queues whatever their auto-delete flag (rabbit_amqqueue:recover/1 filters on durability only), and so does Hermod.
 */
@Timeout(60)
class DefinitionsRecoveryTest {

    @TempDir
    Path dir;

    private BrokerFixture fixture;
    private Channel ch;

    @BeforeEach
    void setUp() {
        fixture = new BrokerFixture(dir);
        fixture.start();
        ch = fixture.channel();
    }

    @AfterEach
    void tearDown() {
        fixture.close();
    }

    private void restart() {
        fixture.restart();
        ch = fixture.channel();
    }

    private static ExchangeSpec transientExchange(String name, String type) {
        return new ExchangeSpec(name, type, false, false, false, Map.of());
    }

    private Set<BindingDefinition> bindings() {
        return new HashSet<>(fixture.vhost().bindings());
    }

    private static BindingDefinition queueBinding(String exchange, String queue, String key) {
        return new BindingDefinition("/", exchange, BindingDefinition.DestinationKind.QUEUE, queue, key, Map.of());
    }

    @Test
    void durableExchangesAndQueuesSurviveWithTheirPropertiesAndTransientOnesDoNot() {
        // Given
        ch.declareExchange(
                new ExchangeSpec("kept", "topic", true, true, true, Map.of("alternate-exchange", "ae", "x-n", 7L)));
        ch.declareExchange(transientExchange("lost", "direct"));
        ch.declareQueue(new QueueSpec("kept-q", true, false, false, Map.of("x-message-ttl", 5000)));
        ch.declareQueue(QueueSpec.transientQueue("lost-q"));
        ExchangeDefinition before = ch.declareExchangePassive("kept");

        // When
        restart();

        // Then
        assertThat(fixture.vhost().exchangeNames()).contains("kept").doesNotContain("lost");
        assertThat(fixture.vhost().queueNames()).containsExactly("kept-q");
        assertThat(ch.declareExchangePassive("kept")).isEqualTo(before);
        // the recovered queue answers equivalence with its recovered arguments
        ch.declareQueue(new QueueSpec("kept-q", true, false, false, Map.of("x-message-ttl", 5000L)));
        BrokerFixture.assertFails(
                ErrorCode.PRECONDITION_FAILED,
                () -> ch.declareQueue(new QueueSpec("kept-q", true, false, false, Map.of("x-message-ttl", 1))));
    }

    @Test
    void aBindingSurvivesOnlyWhenBothItsEndsAreDurable() {
        // Given every combination of durable and transient ends, to queues and to exchanges
        ch.declareExchange(ExchangeSpec.durable("dx", "direct"));
        ch.declareExchange(transientExchange("tx", "direct"));
        ch.declareExchange(ExchangeSpec.durable("dx-dest", "fanout"));
        ch.declareExchange(transientExchange("tx-dest", "fanout"));
        ch.declareQueue(QueueSpec.durable("dq"));
        ch.declareQueue(QueueSpec.transientQueue("tq"));
        ch.bindQueue("dq", "dx", "durable-durable", Map.of());
        ch.bindQueue("tq", "dx", "durable-transient", Map.of());
        ch.bindQueue("dq", "tx", "transient-durable", Map.of());
        ch.bindExchange("dx-dest", "dx", "durable-durable", Map.of());
        ch.bindExchange("tx-dest", "dx", "durable-transient", Map.of());
        ch.bindExchange("dx-dest", "tx", "transient-durable", Map.of());
        ch.bindQueue("dq", "dx-dest", "", Map.of());
        assertThat(fixture.vhost().bindings()).hasSize(7);

        // When
        restart();

        // Then
        assertThat(bindings())
                .containsExactlyInAnyOrder(
                        queueBinding("dx", "dq", "durable-durable"),
                        new BindingDefinition(
                                "/",
                                "dx",
                                BindingDefinition.DestinationKind.EXCHANGE,
                                "dx-dest",
                                "durable-durable",
                                Map.of()),
                        queueBinding("dx-dest", "dq", ""));
        // and they route: directly, and through the exchange-to-exchange binding
        assertThat(publish(ch, "dx", "durable-durable", "m").queues()).isEqualTo(1);
        assertThat(drain(ch, "dq")).containsExactly("m");
    }

    @Test
    void bindingsOfThePredeclaredExchangesToDurableQueuesSurvive() {
        ch.declareQueue(QueueSpec.durable("q"));
        ch.bindQueue("q", "amq.topic", "a.#", Map.of());
        ch.bindQueue("q", "amq.match", "", Map.of("x-match", "any", "h", 1));

        restart();

        assertThat(bindings()).hasSize(2);
        assertThat(publish(ch, "amq.topic", "a.b", "m").routed()).isTrue();
        assertThat(ch.publish(BrokerFixture.message("amq.match", "", Map.of("h", 1L), "h"))
                        .join()
                        .routed())
                .isTrue();
    }

    @Test
    void exclusiveQueuesAreGoneAfterARestartEvenWhenDeclaredDurable() {
        // Given
        ch.declareExchange(ExchangeSpec.durable("x", "fanout"));
        ch.declareQueue(new QueueSpec("mine", true, true, false, Map.of()));
        ch.bindQueue("mine", "x", "", Map.of());
        publish(ch, "x", "", "m");

        // When
        restart();

        // Then
        assertThat(fixture.vhost().queueNames()).isEmpty();
        assertThat(fixture.vhost().bindings()).isEmpty();
        assertThat(publish(ch, "x", "", "m").routed()).isFalse();
    }

    @Test
    void aTransientAutoDeleteQueueIsGoneAfterARestartAndADurableOneSurvivesAsOnRabbitMq() {
        // Given
        ch.declareQueue(new QueueSpec("transient-ad", false, false, true, Map.of()));
        ch.declareQueue(new QueueSpec("durable-ad", true, false, true, Map.of()));
        publish(ch, "", "durable-ad", "kept");

        // When
        restart();

        // Then
        assertThat(fixture.vhost().queueNames()).containsExactly("durable-ad");
        assertThat(drain(ch, "durable-ad")).containsExactly("kept");
        // and it is still auto-delete: its first consumer's leaving deletes it
        String tag = ch.consume("durable-ad", ConsumeOptions.automaticAck(), new BrokerFixture.Received());
        ch.cancel(tag);
        BrokerFixture.eventually().until(() -> fixture.vhost().queueNames().isEmpty());
        restart();
        assertThat(fixture.vhost().queueNames()).isEmpty();
    }

    @Test
    void deletionsAndUnbindingsAreRememberedAcrossARestart() {
        // Given
        ch.declareExchange(ExchangeSpec.durable("x", "direct"));
        ch.declareExchange(ExchangeSpec.durable("gone", "direct"));
        ch.declareQueue(QueueSpec.durable("q"));
        ch.declareQueue(QueueSpec.durable("gone-q"));
        ch.bindQueue("q", "x", "a", Map.of());
        ch.bindQueue("q", "x", "b", Map.of());
        ch.bindQueue("gone-q", "x", "c", Map.of());
        ch.bindQueue("q", "gone", "d", Map.of());

        // When
        ch.unbindQueue("q", "x", "a", Map.of());
        ch.deleteQueue("gone-q", false, false);
        ch.deleteExchange("gone", false);
        restart();

        // Then
        assertThat(fixture.vhost().exchangeNames()).contains("x").doesNotContain("gone");
        assertThat(fixture.vhost().queueNames()).containsExactly("q");
        assertThat(bindings()).containsExactly(queueBinding("x", "q", "b"));
    }

    @Test
    void aRestartAfterDurableQueuesWereDeletedStartsAndLeavesNoStorageOfThemBehind() throws Exception {
        // Given durable queues declared and deleted, last of all (their records are replayed at the next start, and
        // the broker then removes the logs of queues no longer defined, while the replayed deletions are under way)
        ch.declareQueue(QueueSpec.durable("kept"));
        for (int i = 0; i < 20; i++) {
            ch.declareQueue(QueueSpec.durable("q-" + i));
            publish(ch, "", "q-" + i, "m");
            ch.deleteQueue("q-" + i, false, false);
        }

        // When, twice
        restart();
        restart();

        // Then only the kept queue has storage: its message log and its cursor log
        try (var entries = java.nio.file.Files.list(dir)) {
            assertThat(entries.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("q-")))
                    .hasSize(2);
        }
        assertThat(fixture.vhost().queueNames()).containsExactly("kept");
    }

    @Test
    void aQueueDeletedAndDeclaredAgainUnderItsNameStartsEmptyAfterARestart() {
        ch.declareQueue(QueueSpec.durable("q"));
        publish(ch, "", "q", "old");
        ch.deleteQueue("q", false, false);
        ch.declareQueue(QueueSpec.durable("q"));
        publish(ch, "", "q", "new");

        restart();

        assertThat(drain(ch, "q")).containsExactly("new");
    }

    @Test
    void manyDeclareAndDeleteCyclesReplayToTheSameStateThroughSnapshots() {
        // Given enough changes to pass the definitions log's snapshot threshold (1 MiB of records) several times
        String padding = "p".repeat(24 << 10);
        int changes = 0;
        for (int i = 0; i < 100; i++) {
            ch.declareExchange(
                    new ExchangeSpec("x-" + i, "direct", true, false, false, Map.of("x-padding", padding + i)));
            ch.declareQueue(QueueSpec.durable("q-" + i));
            ch.bindQueue("q-" + i, "x-" + i, "k", Map.of());
            ch.bindQueue("q-" + i, "amq.direct", "k-" + i, Map.of());
            changes += 4;
            if (i % 5 == 0) {
                ch.unbindQueue("q-" + i, "amq.direct", "k-" + i, Map.of());
                changes++;
            }
            if (i % 2 == 1) {
                ch.deleteExchange("x-" + i, false);
                changes++;
            }
            if (i % 3 == 1) {
                ch.deleteQueue("q-" + i, false, false);
                changes++;
            }
        }
        Set<String> exchanges = fixture.vhost().exchangeNames();
        Set<String> queues = fixture.vhost().queueNames();
        Set<BindingDefinition> bindings = bindings();
        Map<String, ExchangeDefinition> definitions = new HashMap<>();
        for (String x : exchanges) {
            if (!x.isEmpty()) {
                definitions.put(x, ch.declareExchangePassive(x));
            }
        }
        fixture.broker().close();

        // Then the log holds a snapshot and what followed it, far fewer records than the changes made
        assertThat(storedDefinitionRecords()).isLessThan(changes);

        // and replaying it, twice (the second time from what the first restart left), gives the same state
        for (int restart = 0; restart < 2; restart++) {
            fixture.start();
            ch = fixture.channel();
            assertThat(fixture.vhost().exchangeNames()).isEqualTo(exchanges);
            assertThat(fixture.vhost().queueNames()).isEqualTo(queues);
            assertThat(bindings()).isEqualTo(bindings);
            for (Map.Entry<String, ExchangeDefinition> e : definitions.entrySet()) {
                assertThat(ch.declareExchangePassive(e.getKey())).isEqualTo(e.getValue());
            }
            fixture.broker().close();
        }
        fixture.start();
        assertThat(fixture.vhost().queueNames()).isEqualTo(queues);
    }

    @Test
    void aQueueDefinedWithArgumentsADeclareWouldNowRefuseIsStillRecovered() {
        // Given a queue in the definitions log whose arguments fail today's validation (declared before it existed)
        fixture.broker().close();
        Map<String, Object> arguments = Map.of("x-max-length", -1, "x-single-active-consumer", "yes");
        try (LogStore store = LogStore.open(LogStoreConfig.of(dir));
                DefinitionsLog log = DefinitionsLog.open(store, "definitions", Runnable::run)) {
            log.load();
            log.append(List.of(new DefinitionRecord.QueueAdded(
                            new QueueDefinition("/", "old", "old-storage", true, false, false, arguments))))
                    .join();
        }

        // When the broker starts
        fixture.start();
        ch = fixture.channel();

        // Then the queue is there, works, and an equivalent re-declare is accepted
        assertThat(fixture.vhost().queueNames()).contains("old");
        publish(ch, "", "old", "m");
        assertThat(drain(ch, "old")).containsExactly("m");
        ch.declareQueue(new QueueSpec("old", true, false, false, arguments));
    }

    /** The records a broker would replay from the definitions log now (the broker must be closed). */
    private int storedDefinitionRecords() {
        try (LogStore store = LogStore.open(LogStoreConfig.of(dir));
                DefinitionsLog log = DefinitionsLog.open(store, "definitions", Runnable::run)) {
            return log.load().size();
        }
    }
}
