package io.hermod.broker;

import static io.hermod.broker.BrokerFixture.assertFails;
import static io.hermod.broker.BrokerFixture.eventually;
import static io.hermod.broker.BrokerFixture.publish;
import static org.assertj.core.api.Assertions.assertThat;

import io.hermod.broker.BrokerFixture.Got;
import io.hermod.broker.BrokerFixture.Received;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Single active consumer ({@code x-single-active-consumer}) as RabbitMQ's classic queues do it
 * (rabbit_amqqueue_process: basic_consume, basic_cancel and a channel going down with single_active_consumer_on): one
 * consumer gets every message, the others wait attached, and when it goes the next takes over, the messages its channel
 * returned included.
 */
@Timeout(30)
class SingleActiveConsumerTest {

    @TempDir
    Path dir;

    private BrokerFixture fixture;
    private Channel ch;

    @BeforeEach
    void setUp() {
        fixture = new BrokerFixture(dir);
        fixture.start();
        ch = fixture.channel();
        ch.declareQueue(sacQueue("q"));
    }

    @AfterEach
    void tearDown() {
        fixture.close();
    }

    private static QueueSpec sacQueue(String name) {
        return new QueueSpec(name, true, false, false, Map.of("x-single-active-consumer", true));
    }

    /** A consumer on its own channel (as separate application instances would have), with manual acks. */
    private record Attached(Channel channel, String tag, Received received) {}

    private Attached attach(int prefetch, int priority) {
        Channel channel = fixture.channel();
        Received received = new Received();
        String tag = channel.consume(
                "q", new ConsumeOptions("", false, false, prefetch, 0, Map.of("x-priority", priority)), received);
        return new Attached(channel, tag, received);
    }

    private void publishAll(String... bodies) {
        for (String body : bodies) {
            publish(ch, "", "q", body);
        }
    }

    private static List<String> bodies(List<Got> deliveries) {
        return deliveries.stream().map(Got::body).toList();
    }

    @Test
    void onlyTheFirstConsumerGetsMessagesEvenWhenItIsOutOfCredit() {
        // Given two consumers, the first with room for two unacknowledged messages
        Attached first = attach(2, 0);
        Attached second = attach(2, 0);

        // When five messages arrive
        publishAll("m1", "m2", "m3", "m4", "m5");

        // Then the first has two, the second none although it has credit, and three wait in the queue
        assertThat(bodies(first.received().awaitCount(2))).containsExactly("m1", "m2");
        fixture.awaitReady("q", 3);
        assertThat(second.received().deliveries).isEmpty();
        assertThat(fixture.vhost().queueInfo("q").orElseThrow().consumerCount()).isEqualTo(2);

        // and acknowledging lets the first take the rest, still alone
        first.channel().ack(0, true);
        assertThat(bodies(first.received().awaitCount(4))).containsExactly("m1", "m2", "m3", "m4");
        first.channel().ack(0, true);
        assertThat(bodies(first.received().awaitCount(5))).endsWith("m5");
        assertThat(second.received().deliveries).isEmpty();
    }

    @Test
    void whenTheActiveConsumerIsCancelledTheNextTakesOverAndTheCancelledOneKeepsItsUnacked() {
        // Given
        Attached first = attach(2, 0);
        Attached second = attach(10, 0);
        Attached third = attach(10, 0);
        publishAll("m1", "m2", "m3", "m4");
        first.received().awaitCount(2);

        // When the active consumer is cancelled
        first.channel().cancel(first.tag());

        // Then the next one registered gets what is ready, the third nothing
        assertThat(bodies(second.received().awaitCount(2))).containsExactly("m3", "m4");
        assertThat(third.received().deliveries).isEmpty();
        // and the cancelled consumer's messages stay unacknowledged on its channel, as RabbitMQ's basic.cancel leaves
        // them
        assertThat(first.channel().unackedCount()).isEqualTo(2);
        first.channel().ack(0, true);

        publishAll("m5");
        assertThat(bodies(second.received().awaitCount(3))).endsWith("m5");
        assertThat(third.received().deliveries).isEmpty();
    }

    @Test
    void whenTheActiveConsumersChannelClosesTheNextGetsItsUnackedMessagesBackInOrder() {
        // Given the active consumer holds three unacknowledged messages and two more wait
        Attached first = attach(3, 0);
        Attached second = attach(10, 0);
        publishAll("m1", "m2", "m3", "m4", "m5");
        first.received().awaitCount(3);

        // When its channel closes (its client went away)
        first.channel().close();

        // Then the next consumer gets them all, the returned ones first (flagged redelivered), in publication order
        List<Got> got = second.received().awaitCount(5);
        assertThat(bodies(got)).containsExactly("m1", "m2", "m3", "m4", "m5");
        assertThat(got.stream().map(Got::redelivered)).containsExactly(true, true, true, false, false);
        assertThat(first.received().deliveries).hasSize(3);
    }

    @Test
    void theFirstConsumerStaysActiveWhenAHigherPriorityOneArrivesWhichTakesOverWhenItGoes() {
        // RabbitMQ's classic queue: the first consumer becomes active whatever its priority (no pre-emption); at
        // fail-over the highest-priority consumer left is chosen (rabbit_queue_consumers:get_consumer/1)
        Attached first = attach(10, 0);
        Attached low = attach(10, 0);
        Attached high = attach(10, 5);
        publishAll("m1");
        first.received().awaitCount(1);

        first.channel().close();
        publishAll("m2");

        // m1 came back when the first's channel closed; both go to the high-priority consumer
        assertThat(bodies(high.received().awaitCount(2))).containsExactly("m1", "m2");
        assertThat(low.received().deliveries).isEmpty();
    }

    @Test
    void anExclusiveConsumerIsRefusedOnASingleActiveConsumerQueue() {
        // rabbit_amqqueue_process: exclusive_consume_unavailable, which rabbit_channel answers with access_refused
        Received received = new Received();

        assertFails(
                ErrorCode.ACCESS_REFUSED,
                () -> ch.consume("q", new ConsumeOptions("", false, true, 1, 0, Map.of()), received));
        assertThat(fixture.vhost().queueInfo("q").orElseThrow().consumerCount()).isZero();
    }

    @Test
    void aQueueWithoutTheArgumentStillSharesMessagesAmongItsConsumers() {
        ch.declareQueue(QueueSpec.durable("shared"));
        Received a = new Received();
        Received b = new Received();
        fixture.channel().consume("shared", ConsumeOptions.manualAck(1), a);
        fixture.channel().consume("shared", ConsumeOptions.manualAck(1), b);

        publish(ch, "", "shared", "m1");
        publish(ch, "", "shared", "m2");

        a.awaitCount(1);
        b.awaitCount(1);
    }

    @Test
    void theQueueIsStillSingleActiveConsumerAfterARestart() {
        // Given a durable queue declared with the argument, and a message waiting
        publishAll("before");

        // When the broker restarts
        fixture.restart();
        ch = fixture.channel();
        Attached first = attach(1, 0);
        Attached second = attach(1, 0);
        publishAll("after");

        // Then still one consumer only gets messages
        assertThat(bodies(first.received().awaitCount(1))).containsExactly("before");
        fixture.awaitReady("q", 1);
        eventually().until(() -> fixture.vhost().queueInfo("q").orElseThrow().consumerCount() == 2);
        assertThat(second.received().deliveries).isEmpty();
        // and the argument is still there: a re-declare without it is inequivalent
        assertFails(ErrorCode.PRECONDITION_FAILED, () -> ch.declareQueue(QueueSpec.durable("q")));
    }
}
