package io.hermod.broker;

import static io.hermod.broker.BrokerFixture.assertFails;
import static io.hermod.broker.BrokerFixture.publish;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * queue.declare, queue.delete and queue.purge as RabbitMQ answers them (rabbit_channel.erl handle_method for
 * 'queue.declare', 'queue.delete', 'queue.purge'; rabbit_amqqueue:assert_equivalence/5 and check_exclusive_access/3;
 * rabbit_misc:assert_args_equivalence/4): names, equivalence, exclusivity, counts.
 */
@Timeout(30)
class QueueDeclareTest {

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

    private static QueueSpec queue(String name, Map<String, Object> arguments) {
        return new QueueSpec(name, true, false, false, arguments);
    }

    private static QueueSpec exclusive(String name) {
        return new QueueSpec(name, false, true, false, Map.of());
    }

    // ------------------------------------------------------------------ names

    @Test
    void aQueueDeclaredWithoutANameGetsAServerChosenAmqGenName() {
        QueueInfo first = ch.declareQueue(exclusive(""));
        QueueInfo second = ch.declareQueue(exclusive(""));

        assertThat(first.name()).startsWith("amq.gen-").hasSizeGreaterThan("amq.gen-".length());
        assertThat(second.name()).startsWith("amq.gen-").isNotEqualTo(first.name());
        assertThat(fixture.vhost().queueNames()).contains(first.name(), second.name());
    }

    @Test
    void aNewQueueNamedWithTheReservedPrefixIsRefused() {
        assertFails(ErrorCode.ACCESS_REFUSED, () -> ch.declareQueue(QueueSpec.durable("amq.mine")));
        assertThat(fixture.vhost().queueNames()).isEmpty();
    }

    @Test
    void aServerNamedQueueMayBeDeclaredPassivelyButNotRedeclaredByName() {
        // rabbit_channel checks the amq. prefix of a named queue.declare before looking the queue up, which is why
        // clients that redeclare their anonymous queues name them otherwise (Spring AMQP's "spring.gen-")
        String name = ch.declareQueue(exclusive("")).name();

        assertThat(ch.declareQueuePassive(name).name()).isEqualTo(name);
        assertFails(ErrorCode.ACCESS_REFUSED, () -> ch.declareQueue(exclusive(name)));
    }

    @Test
    void aPassiveDeclareOfAMissingQueueIsNotFound() {
        assertFails(ErrorCode.NOT_FOUND, () -> ch.declareQueuePassive("nowhere"));
    }

    // ------------------------------------------------------------------ equivalence

    @Test
    void anEquivalentRedeclareAnswersTheCurrentCounts() {
        // Given
        ch.declareQueue(QueueSpec.durable("q"));
        publish(ch, "", "q", "one");
        publish(ch, "", "q", "two");
        ch.consume("q", ConsumeOptions.manualAck(1), new BrokerFixture.Received());

        // When
        QueueInfo info = ch.declareQueue(QueueSpec.durable("q"));

        // Then one message went to the consumer, one is ready
        assertThat(info.name()).isEqualTo("q");
        assertThat(info.messageCount()).isEqualTo(1);
        assertThat(info.consumerCount()).isEqualTo(1);
    }

    @Test
    void aRedeclareWithAnotherDurabilityIsAPreconditionFailure() {
        ch.declareQueue(QueueSpec.durable("q"));

        assertFails(ErrorCode.PRECONDITION_FAILED, () -> ch.declareQueue(QueueSpec.transientQueue("q")));
    }

    @Test
    void aRedeclareWithAnotherAutoDeleteIsAPreconditionFailure() {
        ch.declareQueue(QueueSpec.durable("q"));

        assertFails(
                ErrorCode.PRECONDITION_FAILED, () -> ch.declareQueue(new QueueSpec("q", true, false, true, Map.of())));
    }

    @Test
    void aRedeclareAsExclusiveOfASharedQueueIsResourceLocked() {
        // rabbit_amqqueue:assert_equivalence checks exclusivity strictly, as resource_locked, before the flags
        ch.declareQueue(QueueSpec.transientQueue("q"));

        assertFails(ErrorCode.RESOURCE_LOCKED, () -> ch.declareQueue(exclusive("q")));
    }

    @Test
    void aRedeclareAsSharedOfItsOwnExclusiveQueueIsResourceLocked() {
        ch.declareQueue(exclusive("mine"));

        assertFails(ErrorCode.RESOURCE_LOCKED, () -> ch.declareQueue(QueueSpec.transientQueue("mine")));
    }

    @Test
    void anExclusiveQueueIsNeverDurableSoItsOwnerMayRedeclareItEitherWay() {
        // rabbit_channel: Durable = DurableDeclare andalso not ExclusiveDeclare
        ch.declareQueue(new QueueSpec("mine", true, true, false, Map.of()));

        ch.declareQueue(new QueueSpec("mine", false, true, false, Map.of()));
        ch.declareQueue(new QueueSpec("mine", true, true, false, Map.of()));
        assertThat(fixture.vhost().queueNames()).contains("mine");
    }

    @Test
    void aRedeclareWithAnotherMessageTtlIsAPreconditionFailure() {
        ch.declareQueue(queue("q", Map.of("x-message-ttl", 60_000)));

        assertFails(ErrorCode.PRECONDITION_FAILED, () -> ch.declareQueue(queue("q", Map.of("x-message-ttl", 30_000))));
        assertFails(ErrorCode.PRECONDITION_FAILED, () -> ch.declareQueue(queue("q", Map.of())));
    }

    @Test
    void integerArgumentsOfAnyWidthAreEquivalentWhenTheirValuesAreEqual() {
        ch.declareQueue(queue("q", Map.of("x-message-ttl", 60_000, "x-max-priority", (byte) 5)));

        ch.declareQueue(queue("q", Map.of("x-message-ttl", 60_000L, "x-max-priority", (short) 5)));
        ch.declareQueue(queue("q", Map.of("x-message-ttl", 60_000, "x-max-priority", 5L)));
    }

    @Test
    void anIntegerArgumentIsNotEquivalentToAFloatingPointOne() {
        // rabbit_misc:assert_args_equivalence compares type classes: int is not float
        ch.declareQueue(queue("q", Map.of("x-message-ttl", 1000)));

        assertFails(ErrorCode.PRECONDITION_FAILED, () -> ch.declareQueue(queue("q", Map.of("x-message-ttl", 1000.0))));
    }

    @Test
    void everyArgumentOnRabbitMqsEquivalenceListIsCompared() {
        Map<String, Object> first = Map.of(
                "x-expires",
                100_000,
                "x-max-length",
                10,
                "x-max-length-bytes",
                1000,
                "x-overflow",
                "reject-publish",
                "x-dead-letter-exchange",
                "dlx",
                "x-dead-letter-routing-key",
                "dead",
                "x-single-active-consumer",
                true);
        ch.declareQueue(queue("q", first));

        for (String name : first.keySet()) {
            Map<String, Object> changed = new java.util.HashMap<>(first);
            changed.put(name, first.get(name) instanceof Integer i ? i + 1 : first.get(name) + "-other");
            if (first.get(name) instanceof Boolean) {
                changed.put(name, false);
            }
            assertFails(ErrorCode.PRECONDITION_FAILED, () -> ch.declareQueue(queue("q", changed)));
        }
        ch.declareQueue(queue("q", first));
    }

    // ------------------------------------------------------------------ argument validation

    @Test
    void aNewQueueWithAnInvalidArgumentIsRefusedAndNothingIsCreated() {
        // rabbit_amqqueue:check_declare_arguments/2, before anything is stored
        Map<String, Object> bad = Map.of(
                "x-max-length", -1,
                "x-message-ttl", "60000",
                "x-max-priority", 256,
                "x-overflow", "drop-tail",
                "x-dead-letter-routing-key", "dead",
                "x-single-active-consumer", "true",
                "x-queue-type", "quorum",
                "x-dead-letter-exchange", 5);
        for (Map.Entry<String, Object> e : bad.entrySet()) {
            assertThatThrownBy(() -> ch.declareQueue(queue("q", Map.of(e.getKey(), e.getValue()))))
                    .isInstanceOfSatisfying(
                            BrokerException.class, ex -> assertThat(ex.code()).isEqualTo(ErrorCode.PRECONDITION_FAILED))
                    .hasMessageContaining("'" + e.getKey() + "'")
                    .hasMessageContaining("queue 'q' in vhost '/'");
        }
        assertThatThrownBy(() -> ch.declareQueue(queue("q", Map.of("x-max-length", -1))))
                .hasMessage("invalid arg 'x-max-length' for queue 'q' in vhost '/': {value_negative,-1}");

        // Then no queue, now or after a restart, and the channel is still usable
        assertThat(fixture.vhost().queueNames()).isEmpty();
        fixture.restart();
        ch = fixture.channel();
        assertThat(fixture.vhost().queueNames()).isEmpty();
        ch.declareQueue(queue("q", Map.of("x-max-length", 10)));
        assertThat(fixture.vhost().queueNames()).containsExactly("q");
    }

    @Test
    void anExistingQueueIsComparedNotValidatedOnRedeclare() {
        // rabbit_channel: an existing queue only gets rabbit_amqqueue:assert_equivalence, so an argument off the
        // equivalence list is ignored even when a new queue could not have it, and one on it is inequivalent
        ch.declareQueue(queue("q", Map.of("x-max-length", 10)));

        ch.declareQueue(queue("q", Map.of("x-max-length", 10, "x-queue-mode", 7)));
        assertThatThrownBy(() -> ch.declareQueue(queue("q", Map.of("x-max-length", -1))))
                .hasMessageStartingWith("inequivalent arg 'x-max-length'");
    }

    @Test
    void argumentsOffTheEquivalenceListAreNotCompared() {
        ch.declareQueue(queue("q", Map.of("x-custom", "a")));

        ch.declareQueue(queue("q", Map.of("x-custom", "b")));
        ch.declareQueue(queue("q", Map.of()));
    }

    @Test
    void aQueueDeclaredWithoutAQueueTypeIsEquivalentToAClassicOne() {
        // rabbit_misc:assert_field_equivalence special-cases x-queue-type: absent equals "classic"
        ch.declareQueue(queue("plain", Map.of()));
        ch.declareQueue(queue("classic", Map.of("x-queue-type", "classic")));

        ch.declareQueue(queue("plain", Map.of("x-queue-type", "classic")));
        ch.declareQueue(queue("classic", Map.of()));
        assertFails(
                ErrorCode.PRECONDITION_FAILED, () -> ch.declareQueue(queue("plain", Map.of("x-queue-type", "quorum"))));
    }

    // ------------------------------------------------------------------ exclusivity

    @Test
    void anExclusiveQueueCannotBeUsedFromAnotherSession() {
        // Given
        ch.declareQueue(exclusive("mine"));
        ch.bindQueue("mine", "amq.direct", "bound", Map.of());
        Channel other = fixture.session("other").openChannel();

        // Then every use that needs access is resource-locked
        assertFails(ErrorCode.RESOURCE_LOCKED, () -> other.declareQueue(exclusive("mine")));
        assertFails(ErrorCode.RESOURCE_LOCKED, () -> other.declareQueue(QueueSpec.transientQueue("mine")));
        assertFails(ErrorCode.RESOURCE_LOCKED, () -> other.declareQueuePassive("mine"));
        assertFails(ErrorCode.RESOURCE_LOCKED, () -> other.deleteQueue("mine", false, false));
        assertFails(ErrorCode.RESOURCE_LOCKED, () -> other.purgeQueue("mine"));
        assertFails(ErrorCode.RESOURCE_LOCKED, () -> other.bindQueue("mine", "amq.direct", "k", Map.of()));
        assertFails(ErrorCode.RESOURCE_LOCKED, () -> other.unbindQueue("mine", "amq.direct", "bound", Map.of()));
        assertFails(ErrorCode.RESOURCE_LOCKED, () -> other.get("mine", true));
        assertFails(
                ErrorCode.RESOURCE_LOCKED,
                () -> other.consume("mine", ConsumeOptions.automaticAck(), new BrokerFixture.Received()));
        assertThat(fixture.vhost().queueNames()).contains("mine");
        assertThat(fixture.vhost().bindings()).hasSize(1);
    }

    @Test
    void anotherSessionMayPublishToAnExclusiveQueue() {
        // Given
        ch.declareQueue(exclusive("mine"));
        Channel other = fixture.session("other").openChannel();

        // When
        PublishResult result = publish(other, "", "mine", "for you");

        // Then
        assertThat(result.routed()).isTrue();
        assertThat(ch.get("mine", true).map(BrokerFixture::text)).contains("for you");
    }

    @Test
    void anotherChannelOfTheOwningSessionMayUseAnExclusiveQueue() {
        Session session = fixture.session("owner");
        Channel first = session.openChannel();
        first.declareQueue(exclusive("mine"));

        Channel second = session.openChannel();
        second.declareQueue(exclusive("mine"));
        assertThat(second.declareQueuePassive("mine").name()).isEqualTo("mine");
    }

    @Test
    void anExclusiveQueueGoesWhenItsSessionClosesAndItsNameIsFreeAgain() {
        // Given
        Session owner = fixture.session("owner");
        owner.openChannel().declareQueue(exclusive("mine"));

        // When
        owner.close();

        // Then
        assertThat(fixture.vhost().queueNames()).doesNotContain("mine");
        Channel other = fixture.session("other").openChannel();
        other.declareQueue(exclusive("mine"));
        assertThat(other.declareQueuePassive("mine").name()).isEqualTo("mine");
    }

    // ------------------------------------------------------------------ delete and purge

    @Test
    void deletingAQueueAnswersItsReadyMessagesAndRemovesItsBindings() {
        // Given
        ch.declareExchange(ExchangeSpec.durable("x", "fanout"));
        ch.declareQueue(QueueSpec.durable("q"));
        ch.bindQueue("q", "x", "", Map.of());
        publish(ch, "x", "", "a");
        publish(ch, "x", "", "b");

        // When
        long count = ch.deleteQueue("q", false, false);

        // Then
        assertThat(count).isEqualTo(2);
        assertThat(fixture.vhost().queueNames()).isEmpty();
        assertThat(fixture.vhost().bindings()).isEmpty();
        assertThat(publish(ch, "x", "", "c").routed()).isFalse();
    }

    @Test
    void deletingAMissingQueueSucceedsWithACountOfZero() {
        assertThat(ch.deleteQueue("never-declared", true, true)).isZero();
    }

    @Test
    void deleteIfUnusedRefusesAQueueWithAConsumer() {
        // Given
        ch.declareQueue(QueueSpec.durable("q"));
        String tag = ch.consume("q", ConsumeOptions.automaticAck(), new BrokerFixture.Received());

        // When / Then
        assertFails(ErrorCode.PRECONDITION_FAILED, () -> ch.deleteQueue("q", true, false));
        assertThat(fixture.vhost().queueNames()).contains("q");
        ch.cancel(tag);
        assertThat(ch.deleteQueue("q", true, false)).isZero();
    }

    @Test
    void deleteIfEmptyRefusesAQueueWithReadyMessages() {
        // Given
        ch.declareQueue(QueueSpec.durable("q"));
        publish(ch, "", "q", "m");

        // When / Then
        assertFails(ErrorCode.PRECONDITION_FAILED, () -> ch.deleteQueue("q", false, true));
        assertThat(ch.get("q", true)).isPresent();
        assertThat(ch.deleteQueue("q", false, true)).isZero();
        assertThat(fixture.vhost().queueNames()).isEmpty();
    }

    @Test
    void purgeDropsTheReadyMessagesAndAnswersHowMany() {
        // Given three ready messages and one handed out
        ch.declareQueue(QueueSpec.durable("q"));
        for (int i = 0; i < 4; i++) {
            publish(ch, "", "q", "m" + i);
        }
        Delivery out = ch.get("q", false).orElseThrow();

        // When
        long purged = ch.purgeQueue("q");

        // Then the one handed out stays with the channel and comes back when rejected
        assertThat(purged).isEqualTo(3);
        assertThat(ch.declareQueuePassive("q").messageCount()).isZero();
        ch.reject(out.deliveryTag(), true);
        assertThat(BrokerFixture.drain(ch, "q")).containsExactly("m0");
    }

    @Test
    void purgingAMissingQueueIsNotFound() {
        assertFails(ErrorCode.NOT_FOUND, () -> ch.purgeQueue("nowhere"));
    }

    @Test
    void theDeclareOkCountsReadyMessagesNotUnacknowledgedOnes() {
        // Given
        ch.declareQueue(QueueSpec.durable("q"));
        for (int i = 0; i < 3; i++) {
            publish(ch, "", "q", "m" + i);
        }

        // When one is taken and not acknowledged
        Delivery d = ch.get("q", false).orElseThrow();

        // Then
        assertThat(d.messageCount()).isEqualTo(2);
        assertThat(ch.declareQueuePassive("q").messageCount()).isEqualTo(2);
        assertThat(ch.declareQueuePassive("q").consumerCount()).isZero();
    }

    @Test
    void theDeclareOkCountsAConsumerAsSoonAsConsumeReturns() {
        ch.declareQueue(QueueSpec.durable("q"));
        for (int i = 0; i < 20; i++) {
            String tag = ch.consume("q", ConsumeOptions.automaticAck(), new BrokerFixture.Received());
            assertThat(ch.declareQueuePassive("q").consumerCount()).isEqualTo(1);
            ch.cancel(tag);
            assertThat(ch.declareQueuePassive("q").consumerCount()).isZero();
        }
    }

    @Test
    void theDeclareOkSeesAMessageRequeuedByThisChannelJustBefore() {
        // Given
        ch.declareQueue(QueueSpec.durable("q"));
        publish(ch, "", "q", "m");
        Delivery d = ch.get("q", false).orElseThrow();
        assertThat(ch.declareQueuePassive("q").messageCount()).isZero();

        // When
        ch.reject(d.deliveryTag(), true);

        // Then, as on RabbitMQ, where the queue handles the channel's messages in order
        assertThat(ch.declareQueuePassive("q").messageCount()).isEqualTo(1);
    }
}
