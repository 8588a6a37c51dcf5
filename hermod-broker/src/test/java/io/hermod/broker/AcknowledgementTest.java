package io.hermod.broker;

import static io.hermod.broker.BrokerFixture.assertFails;
import static io.hermod.broker.BrokerFixture.publish;
import static io.hermod.broker.BrokerFixture.text;
import static org.assertj.core.api.Assertions.assertThat;

import io.hermod.broker.BrokerFixture.Got;
import io.hermod.broker.BrokerFixture.Received;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * basic.ack, basic.nack, basic.reject and basic.recover, and what closing a channel or a session does to the messages
 * it holds, as RabbitMQ does them (rabbit_channel.erl collect_acks/3, handle_method for 'basic.recover').
 */
@Timeout(30)
class AcknowledgementTest {

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

    /** Takes {@code count} messages by polling get without acknowledging them; returns their delivery tags. */
    private List<Long> take(Channel channel, int count) {
        List<Long> tags = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            tags.add(channel.get("q", false).orElseThrow().deliveryTag());
        }
        return tags;
    }

    /** What the queue hands out now, oldest first, with the redelivered flag: "body" or "body*" when redelivered. */
    private List<String> remaining() {
        Channel reader = fixture.channel();
        List<String> bodies = new ArrayList<>();
        for (var d = reader.get("q", true); d.isPresent(); d = reader.get("q", true)) {
            bodies.add(text(d.get()) + (d.get().redelivered() ? "*" : ""));
        }
        return bodies;
    }

    // ------------------------------------------------------------------ ack

    @Test
    void deliveryTagsCountUpFromOnePerChannel() {
        publishMany(3);

        assertThat(take(ch, 2)).containsExactly(1L, 2L);
        assertThat(fixture.channel().get("q", false).orElseThrow().deliveryTag())
                .isEqualTo(1L);
    }

    @Test
    void anAcknowledgedMessageIsGoneForGood() {
        // Given
        publishMany(2);
        List<Long> tags = take(ch, 2);

        // When
        ch.ack(tags.get(0), false);
        ch.close();

        // Then only the unacknowledged one comes back
        assertThat(remaining()).containsExactly("m1*");
    }

    @Test
    void ackingMultipleSettlesEveryTagUpToAndIncludingIt() {
        // Given
        publishMany(4);
        List<Long> tags = take(ch, 4);

        // When
        ch.ack(tags.get(2), true);

        // Then
        assertThat(ch.unackedCount()).isEqualTo(1);
        ch.close();
        assertThat(remaining()).containsExactly("m3*");
    }

    @Test
    void ackingMultipleWithTagZeroSettlesEverythingOutstanding() {
        publishMany(3);
        take(ch, 3);

        ch.ack(0, true);

        assertThat(ch.unackedCount()).isZero();
        ch.close();
        assertThat(remaining()).isEmpty();
    }

    @Test
    void anUnknownDeliveryTagIsAPreconditionFailure() {
        publishMany(1);
        long tag = take(ch, 1).get(0);

        assertFails(ErrorCode.PRECONDITION_FAILED, () -> ch.ack(tag + 1, false));
        assertFails(ErrorCode.PRECONDITION_FAILED, () -> ch.ack(0, false));
        assertFails(ErrorCode.PRECONDITION_FAILED, () -> ch.nack(99, false, true));
        assertFails(ErrorCode.PRECONDITION_FAILED, () -> ch.reject(99, false));
        assertThat(ch.unackedCount()).isEqualTo(1);
    }

    @Test
    void ackingTheSameTagTwiceIsAPreconditionFailure() {
        publishMany(1);
        long tag = take(ch, 1).get(0);
        ch.ack(tag, false);

        assertFails(ErrorCode.PRECONDITION_FAILED, () -> ch.ack(tag, false));
    }

    @Test
    void aMultipleAckWithATagNotOutstandingIsAPreconditionFailureAndSettlesNothing() {
        // rabbit_channel:collect_acks/5 walks the outstanding tags looking for this one and fails when it is absent,
        // even when tags below it are outstanding
        publishMany(3);
        List<Long> tags = take(ch, 3);
        ch.ack(tags.get(2), false);

        assertFails(ErrorCode.PRECONDITION_FAILED, () -> ch.ack(tags.get(2), true));
        assertFails(ErrorCode.PRECONDITION_FAILED, () -> ch.nack(tags.get(2) + 5, true, false));
        assertThat(ch.unackedCount()).isEqualTo(2);
    }

    @Test
    void aTagFromAnotherChannelIsUnknownHere() {
        publishMany(1);
        long tag = take(ch, 1).get(0);

        Channel other = fixture.channel();

        assertFails(ErrorCode.PRECONDITION_FAILED, () -> other.ack(tag, false));
    }

    @Test
    void anAutomaticallyAcknowledgedDeliveryHasATagThatCannotBeAcked() {
        publishMany(2);
        long auto = ch.get("q", true).orElseThrow().deliveryTag();
        long manual = ch.get("q", false).orElseThrow().deliveryTag();

        assertThat(manual).isEqualTo(auto + 1);
        assertFails(ErrorCode.PRECONDITION_FAILED, () -> ch.ack(auto, false));
        ch.ack(manual, false);
    }

    // ------------------------------------------------------------------ nack, reject

    @Test
    void aRejectWithRequeuePutsTheMessageBackAheadOfNewerOnesFlaggedRedelivered() {
        publishMany(3);
        long first = take(ch, 1).get(0);

        ch.reject(first, true);

        assertThat(remaining()).containsExactly("m0*", "m1", "m2");
    }

    @Test
    void aRejectWithoutRequeueDropsTheMessage() {
        publishMany(2);
        long first = take(ch, 1).get(0);

        ch.reject(first, false);
        ch.close();

        assertThat(remaining()).containsExactly("m1");
    }

    @Test
    void aMultipleNackWithRequeueReturnsEveryTagUpToItInTheirOriginalOrder() {
        // Given four out
        publishMany(5);
        List<Long> tags = take(ch, 4);

        // When the first three are nacked at once
        ch.nack(tags.get(2), true, true);

        // Then they are back, in order, ahead of the newer message, and the fourth is still out
        assertThat(ch.unackedCount()).isEqualTo(1);
        assertThat(remaining()).containsExactly("m0*", "m1*", "m2*", "m4");
    }

    @Test
    void aMultipleNackWithoutRequeueDropsEveryTagUpToIt() {
        publishMany(3);
        List<Long> tags = take(ch, 3);

        ch.nack(tags.get(1), true, false);
        ch.close();

        assertThat(remaining()).containsExactly("m2*");
    }

    @Test
    void aMultipleNackWithTagZeroCoversEverythingOutstanding() {
        publishMany(3);
        take(ch, 3);

        ch.nack(0, true, true);

        assertThat(ch.unackedCount()).isZero();
        assertThat(remaining()).containsExactly("m0*", "m1*", "m2*");
    }

    @Test
    void aRequeuedMessageGoesToTheNextConsumerFlaggedRedelivered() {
        // Given a consumer that rejects the first delivery of each message
        Received received = new Received();
        ch.consume("q", ConsumeOptions.manualAck(1), d -> {
            received.onDelivery(d);
            if (d.redelivered()) {
                ch.ack(d.deliveryTag(), false);
            } else {
                ch.reject(d.deliveryTag(), true);
            }
        });

        // When
        publishMany(2);

        // Then
        assertThat(received.awaitCount(4))
                .extracting(g -> g.body() + (g.redelivered() ? "*" : ""))
                .containsExactly("m0", "m0*", "m1", "m1*");
        fixture.awaitReady("q", 0);
    }

    // ------------------------------------------------------------------ recover

    @Test
    void recoverRedeliversEveryUnacknowledgedMessageFlaggedRedelivered() {
        // Given a consumer holding two messages
        Received received = new Received();
        ch.consume("q", ConsumeOptions.manualAck(2), received);
        publishMany(2);
        received.awaitCount(2);

        // When
        ch.recover(true);

        // Then it gets them again, redelivered, under new tags
        List<Got> all = received.awaitCount(4);
        assertThat(all.subList(2, 4)).extracting(Got::body).containsExactly("m0", "m1");
        assertThat(all.subList(2, 4)).allMatch(Got::redelivered);
        assertThat(all.get(2).deliveryTag()).isGreaterThan(all.get(1).deliveryTag());
        assertFails(ErrorCode.PRECONDITION_FAILED, () -> ch.ack(all.get(0).deliveryTag(), false));
        ch.ack(0, true);
        assertThat(ch.unackedCount()).isZero();
    }

    @Test
    void recoverWithoutRequeueIsNotImplemented() {
        // rabbit_channel answers basic.recover with requeue=false with not_implemented
        assertFails(ErrorCode.NOT_IMPLEMENTED, () -> ch.recover(false));
    }

    // ------------------------------------------------------------------ closing

    @Test
    void closingAChannelReturnsItsUnackedMessagesInTheirOriginalOrderAheadOfNewerOnes() {
        // Given m0..m3 taken, m1 acknowledged, m4 still in the queue
        publishMany(5);
        List<Long> tags = take(ch, 4);
        ch.ack(tags.get(1), false);

        // When
        ch.close();

        // Then
        assertThat(remaining()).containsExactly("m0*", "m2*", "m3*", "m4");
    }

    @Test
    void closingAChannelReturnsMessagesHeldByItsConsumers() {
        // Given
        Received received = new Received();
        ch.consume("q", ConsumeOptions.manualAck(3), received);
        publishMany(4);
        received.awaitCount(3);

        // When
        ch.close();

        // Then
        fixture.awaitReady("q", 4);
        assertThat(remaining()).containsExactly("m0*", "m1*", "m2*", "m3");
        assertThat(fixture.vhost().queueInfo("q").orElseThrow().consumerCount()).isZero();
    }

    @Test
    void aClosedChannelRefusesFurtherWork() {
        publishMany(1);
        long tag = take(ch, 1).get(0);
        ch.close();

        assertFails(ErrorCode.CLOSED, () -> ch.ack(tag, false));
        assertFails(ErrorCode.CLOSED, () -> ch.get("q", true));
        assertFails(ErrorCode.CLOSED, () -> ch.declareQueue(QueueSpec.durable("q")));
        ch.close(); // idempotent
    }

    @Test
    void closingASessionRequeuesWhatItsChannelsHeldAndDeletesItsExclusiveQueues() {
        // Given a session holding messages of a shared queue on two channels, and owning an exclusive queue
        Session session = fixture.session("leaving");
        Channel one = session.openChannel();
        Channel two = session.openChannel();
        one.declareQueue(new QueueSpec("private", false, true, false, Map.of()));
        one.bindQueue("private", "amq.fanout", "", Map.of());
        publishMany(3);
        take(one, 1);
        take(two, 1);

        // When
        session.close();

        // Then
        assertThat(session.isClosed()).isTrue();
        assertThat(one.isClosed()).isTrue();
        assertThat(two.isClosed()).isTrue();
        assertThat(fixture.vhost().queueNames()).containsExactly("q");
        assertThat(fixture.vhost().bindings()).isEmpty();
        assertThat(remaining()).containsExactly("m0*", "m1*", "m2");
        assertFails(ErrorCode.CLOSED, session::openChannel);
    }

    @Test
    void messagesOfADeletedQueueMayStillBeAcknowledged() {
        publishMany(2);
        List<Long> tags = take(ch, 2);
        fixture.channel().deleteQueue("q", false, false);

        ch.ack(tags.get(0), false);
        ch.nack(tags.get(1), false, true);

        assertThat(ch.unackedCount()).isZero();
        assertThat(fixture.vhost().queueNames()).isEmpty();
    }
}
