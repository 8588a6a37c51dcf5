package io.hermod.broker;

import static io.hermod.broker.BrokerFixture.assertFails;
import static io.hermod.broker.BrokerFixture.eventually;
import static io.hermod.broker.BrokerFixture.publish;
import static org.assertj.core.api.Assertions.assertThat;

import io.hermod.broker.BrokerFixture.Got;
import io.hermod.broker.BrokerFixture.Received;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * basic.consume and basic.cancel: how a queue shares its messages among consumers (round-robin, RabbitMQ's consumer
 * priorities), credit (prefetch by count and by bytes), exclusive consumers, and cancellation by the client and by the
 * broker.
 *
 * <p>Counts of ready messages serve as the barrier that proves what was not delivered: a queue hands out what credit
 * allows before it publishes its counts, so once the count settles the deliveries have been made.
 */
@Timeout(30)
class ConsumerTest {

    @TempDir
    Path dir;

    private BrokerFixture fixture;
    private Channel ch;

    @BeforeEach
    void setUp() {
        fixture = new BrokerFixture(dir);
        fixture.start();
        ch = fixture.channel();
        ch.declareQueue(QueueSpec.durable("q"));
    }

    @AfterEach
    void tearDown() {
        fixture.close();
    }

    private void publishMany(int count) {
        for (int i = 0; i < count; i++) {
            publish(ch, "", "q", "m" + i);
        }
    }

    private static ConsumeOptions withPriority(int prefetch, Object priority) {
        return new ConsumeOptions("", false, false, prefetch, 0, Map.of("x-priority", priority));
    }

    @Test
    void consumersOfEqualPriorityShareMessagesRoundRobin() {
        // Given three consumers in place before anything is published
        Received first = new Received();
        Received second = new Received();
        Received third = new Received();
        ch.consume("q", ConsumeOptions.automaticAck(), first);
        ch.consume("q", ConsumeOptions.automaticAck(), second);
        ch.consume("q", ConsumeOptions.automaticAck(), third);

        // When
        publishMany(9);

        // Then each gets every third message, in order
        assertThat(first.awaitCount(3)).extracting(Got::body).containsExactly("m0", "m3", "m6");
        assertThat(second.awaitCount(3)).extracting(Got::body).containsExactly("m1", "m4", "m7");
        assertThat(third.awaitCount(3)).extracting(Got::body).containsExactly("m2", "m5", "m8");
    }

    @Test
    void aConsumerThatIsNotReadyGetsNothingUntilItsChannelResumesAndTheQueueKeepsTheMessages() {
        // Given an automatic-ack consumer (no prefetch bound) whose client cannot take more
        java.util.concurrent.atomic.AtomicBoolean ready = new java.util.concurrent.atomic.AtomicBoolean(false);
        List<String> got = new java.util.concurrent.CopyOnWriteArrayList<>();
        ch.consume("q", ConsumeOptions.automaticAck(), new DeliveryHandler() {
            @Override
            public boolean ready() {
                return ready.get();
            }

            @Override
            public void onDelivery(Delivery delivery) {
                got.add(BrokerFixture.text(delivery));
            }
        });

        // When messages arrive, they stay in the queue
        publishMany(50);
        eventually().until(() -> ch.declareQueuePassive("q").messageCount() == 50);
        assertThat(got).isEmpty();

        // Then once the consumer is ready and its channel resumes, all of them go out in order
        ready.set(true);
        ch.resumeDeliveries();
        eventually().until(() -> got.size() == 50);
        assertThat(got.get(0)).isEqualTo("m0");
        assertThat(got.get(49)).isEqualTo("m49");
    }

    @Test
    void theConsumeIsConfirmedToTheHandlerBeforeItsFirstDelivery() {
        // Given messages waiting, so that deliveries start the moment the consumer is in place
        publishMany(5);
        List<String> events = new java.util.concurrent.CopyOnWriteArrayList<>();

        // When
        String tag = ch.consume("q", ConsumeOptions.automaticAck(), new DeliveryHandler() {
            @Override
            public void onConsumeOk(String consumerTag) {
                events.add("ok " + consumerTag);
            }

            @Override
            public void onDelivery(Delivery delivery) {
                events.add("delivery");
            }
        });

        // Then the confirmation came first, once
        eventually().until(() -> events.size() == 6);
        assertThat(events).first().isEqualTo("ok " + tag);
        assertThat(events.subList(1, 6)).containsOnly("delivery");
    }

    @Test
    void aServerChosenConsumerTagStartsWithAmqCtagAndAChosenOneIsKept() {
        String generated = ch.consume("q", ConsumeOptions.automaticAck(), new Received());
        String chosen = ch.consume("q", new ConsumeOptions("my-tag", true, false, 0, 0, Map.of()), new Received());

        assertThat(generated).startsWith("amq.ctag-");
        assertThat(chosen).isEqualTo("my-tag");
    }

    @Test
    void aConsumerTagInUseOnTheChannelIsRefused() {
        ConsumeOptions tagged = new ConsumeOptions("t", true, false, 0, 0, Map.of());
        ch.consume("q", tagged, new Received());

        assertFails(ErrorCode.NOT_ALLOWED, () -> ch.consume("q", tagged, new Received()));
        assertThat(ch.declareQueuePassive("q").consumerCount()).isEqualTo(1);
        // another channel may use the same tag
        fixture.channel().consume("q", tagged, new Received());
    }

    @Test
    void consumingFromAMissingQueueIsNotFound() {
        assertFails(ErrorCode.NOT_FOUND, () -> ch.consume("nowhere", ConsumeOptions.automaticAck(), new Received()));
    }

    // ------------------------------------------------------------------ credit

    @Test
    void aPrefetchCountBoundsTheUnacknowledgedMessagesOfAConsumer() {
        // Given
        Received received = new Received();
        ch.consume("q", ConsumeOptions.manualAck(2), received);

        // When
        publishMany(5);

        // Then two are out, three wait
        fixture.awaitReady("q", 3);
        assertThat(received.awaitCount(2)).extracting(Got::body).containsExactly("m0", "m1");

        // and each ack lets one more go
        ch.ack(received.deliveries.get(0).deliveryTag(), false);
        assertThat(received.awaitCount(3).get(2).body()).isEqualTo("m2");
        fixture.awaitReady("q", 2);
    }

    @Test
    void aPrefetchInBytesBoundsTheUnacknowledgedBytesAndOneMessageMayOvershootIt() {
        // Given a budget of 10 bytes and messages of 6
        Received received = new Received();
        ch.consume("q", new ConsumeOptions("", false, false, 0, 10, Map.of()), received);

        // When
        for (int i = 0; i < 4; i++) {
            publish(ch, "", "q", "msg-" + i + "!");
        }

        // Then the first fits, the second starts under the budget and overshoots it, the third waits
        fixture.awaitReady("q", 2);
        assertThat(received.awaitCount(2)).extracting(Got::body).containsExactly("msg-0!", "msg-1!");
        ch.ack(received.last().deliveryTag(), true);
        fixture.awaitReady("q", 0);
        assertThat(received.awaitCount(4)).extracting(Got::body).endsWith("msg-2!", "msg-3!");
    }

    @Test
    void anAutomaticAcknowledgementConsumerNeedsNoCredit() {
        Received received = new Received();
        ch.consume("q", new ConsumeOptions("", true, false, 1, 0, Map.of()), received);

        publishMany(10);

        assertThat(received.awaitCount(10)).extracting(Got::body).startsWith("m0", "m1");
        assertThat(ch.unackedCount()).isZero();
    }

    // ------------------------------------------------------------------ priorities

    @Test
    void aLowerPriorityConsumerGetsMessagesOnlyWhileHigherOnesHaveNoCredit() {
        // Given a high-priority consumer with room for two, and a low-priority one with room for ten
        Received high = new Received();
        Received low = new Received();
        ch.consume("q", withPriority(10, 1), low);
        ch.consume("q", withPriority(2, 10), high);

        // When five arrive
        publishMany(5);

        // Then the high one takes two, the low one the rest
        fixture.awaitReady("q", 0);
        assertThat(high.awaitCount(2)).extracting(Got::body).containsExactly("m0", "m1");
        assertThat(low.awaitCount(3)).extracting(Got::body).containsExactly("m2", "m3", "m4");

        // When the high one has credit again, the next message is its
        ch.ack(high.deliveries.get(0).deliveryTag(), false);
        ch.declareQueuePassive("q"); // the queue has taken the ack, and the credit is back, once this answers
        publish(ch, "", "q", "m5");
        assertThat(high.awaitCount(3).get(2).body()).isEqualTo("m5");
        assertThat(low.deliveries).hasSize(3);
    }

    @Test
    void consumersWithoutAPriorityArgumentHavePriorityZero() {
        Received plain = new Received();
        Received negative = new Received();
        ch.consume("q", withPriority(0, -5), negative);
        ch.consume("q", ConsumeOptions.manualAck(0), plain);

        publishMany(3);

        assertThat(plain.awaitCount(3)).hasSize(3);
        assertThat(negative.deliveries).isEmpty();
    }

    @Test
    void thePriorityMayBeAnyIntegerWidthButNothingElse() {
        ch.consume("q", withPriority(1, (short) 3), new Received());
        ch.consume("q", withPriority(1, 3L), new Received());

        assertFails(ErrorCode.PRECONDITION_FAILED, () -> ch.consume("q", withPriority(1, "3"), new Received()));
        Map<String, Object> voidPriority = new HashMap<>();
        voidPriority.put("x-priority", null); // the Java client's ConsumerPriorities validation test
        assertFails(
                ErrorCode.PRECONDITION_FAILED,
                () -> ch.consume("q", new ConsumeOptions("", false, false, 1, 0, voidPriority), new Received()));
        assertThat(ch.declareQueuePassive("q").consumerCount()).isEqualTo(2);
    }

    // ------------------------------------------------------------------ exclusive consumers

    @Test
    void anExclusiveConsumerIsRefusedWhenTheQueueHasAConsumer() {
        ch.consume("q", ConsumeOptions.automaticAck(), new Received());

        assertFails(
                ErrorCode.ACCESS_REFUSED,
                () -> fixture.channel()
                        .consume("q", new ConsumeOptions("", true, true, 0, 0, Map.of()), new Received()));
        assertThat(ch.declareQueuePassive("q").consumerCount()).isEqualTo(1);
    }

    @Test
    void noOtherConsumerIsAllowedBesideAnExclusiveOneUntilItIsCancelled() {
        // Given
        String tag = ch.consume("q", new ConsumeOptions("", true, true, 0, 0, Map.of()), new Received());
        Channel other = fixture.channel();

        // When / Then
        assertFails(ErrorCode.ACCESS_REFUSED, () -> other.consume("q", ConsumeOptions.automaticAck(), new Received()));
        assertFails(
                ErrorCode.ACCESS_REFUSED,
                () -> ch.consume("q", new ConsumeOptions("", true, true, 0, 0, Map.of()), new Received()));
        ch.cancel(tag);
        other.consume("q", ConsumeOptions.automaticAck(), new Received());
    }

    // ------------------------------------------------------------------ cancellation

    @Test
    void aCancelledConsumerGetsNothingMoreAndKeepsItsUnacknowledgedMessagesOnTheChannel() {
        // Given
        Received received = new Received();
        String tag = ch.consume("q", ConsumeOptions.manualAck(1), received);
        publishMany(3);
        Got first = received.awaitCount(1).get(0);

        // When
        assertThat(ch.cancel(tag)).isTrue();

        // Then the rest stays in the queue, and the held message can still be acknowledged
        fixture.awaitReady("q", 2);
        assertThat(received.deliveries).hasSize(1);
        assertThat(ch.unackedCount()).isEqualTo(1);
        ch.ack(first.deliveryTag(), false);
        assertThat(ch.unackedCount()).isZero();
        assertThat(ch.declareQueuePassive("q").consumerCount()).isZero();
        assertThat(received.cancelledByBroker).isEmpty();
    }

    @Test
    void cancellingAnUnknownTagAnswersFalse() {
        assertThat(ch.cancel("no-such-consumer")).isFalse();
    }

    @Test
    void deletingTheQueueCancelsItsConsumersAndTellsThem() {
        // Given
        Received received = new Received();
        String tag = ch.consume("q", ConsumeOptions.manualAck(10), received);

        // When the queue is deleted from elsewhere
        fixture.channel().deleteQueue("q", false, false);

        // Then
        eventually().until(() -> received.cancelledByBroker.contains(tag));
        assertThat(received.cancelledByBroker).containsExactly(tag);
        assertThat(ch.cancel(tag)).isFalse();
    }

    @Test
    void anAutoDeleteQueueGoesWhenItsLastConsumerIsCancelledButNotBefore() {
        // Given
        ch.declareQueue(new QueueSpec("ad", false, false, true, Map.of()));
        publish(ch, "", "ad", "m");
        assertThat(fixture.vhost().queueNames()).contains("ad"); // no consumer yet: it stays
        String first = ch.consume("ad", ConsumeOptions.automaticAck(), new Received());
        String second = ch.consume("ad", ConsumeOptions.automaticAck(), new Received());

        // When
        ch.cancel(first);
        assertThat(fixture.vhost().queueNames()).contains("ad");
        ch.cancel(second);

        // Then
        eventually().until(() -> !fixture.vhost().queueNames().contains("ad"));
    }

    @Test
    void anAutoDeleteQueueGoesWhenTheChannelOfItsLastConsumerCloses() {
        Channel consumerChannel = fixture.channel();
        ch.declareQueue(new QueueSpec("ad", false, false, true, Map.of()));
        consumerChannel.consume("ad", ConsumeOptions.manualAck(5), new Received());

        consumerChannel.close();

        eventually().until(() -> !fixture.vhost().queueNames().contains("ad"));
    }

    @Test
    void aPollingGetDoesNotMakeAnAutoDeleteQueueGo() {
        ch.declareQueue(new QueueSpec("ad", false, false, true, Map.of()));
        publish(ch, "", "ad", "m");

        assertThat(ch.get("ad", true)).isPresent();
        assertThat(ch.get("ad", true)).isEmpty();

        assertThat(fixture.vhost().queueNames()).contains("ad");
    }

    @Test
    void aGetHandsOutOldestFirstAndAnswersTheMessagesLeft() {
        publishMany(3);

        List<Long> left = new java.util.ArrayList<>();
        List<String> bodies = new java.util.ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Delivery d = ch.get("q", true).orElseThrow();
            left.add(d.messageCount());
            bodies.add(BrokerFixture.text(d));
            assertThat(d.consumerTag()).isEmpty();
        }

        assertThat(bodies).containsExactly("m0", "m1", "m2");
        assertThat(left).containsExactly(2L, 1L, 0L);
        assertThat(ch.get("q", true)).isEmpty();
    }
}
