package io.hermod.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import com.rabbitmq.client.GetResponse;
import com.rabbitmq.client.Return;
import com.rabbitmq.client.impl.AMQImpl;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The basic class (spec 1.8) through the RabbitMQ Java client: qos, consume, cancel, get, ack, nack, reject, recover
 * and recover-async, mandatory returns, and the errors of acknowledgements.
 */
class BasicMethodsTest extends ServerTestSupport {

    /** A consumer that records deliveries and acknowledges nothing by itself. */
    static final class Recorder extends DefaultConsumer {
        final BlockingQueue<Envelope> envelopes = new LinkedBlockingQueue<>();
        final List<String> bodies = new CopyOnWriteArrayList<>();

        Recorder(Channel channel) {
            super(channel);
        }

        @Override
        public void handleDelivery(String tag, Envelope envelope, AMQP.BasicProperties properties, byte[] body) {
            bodies.add(text(body));
            envelopes.add(envelope);
        }
    }

    /** A server-named queue holding {@code messages} messages; not auto-deleted when its consumers go. */
    private String queueWith(Channel ch, int messages) throws Exception {
        String queue = ch.queueDeclare("", false, true, false, null).getQueue();
        for (int i = 0; i < messages; i++) {
            ch.basicPublish("", queue, null, bytes("m" + i));
        }
        await().until(() -> ch.messageCount(queue) == messages);
        return queue;
    }

    @Test
    void aPrefetchBoundsTheUnacknowledgedMessagesOfAConsumer() throws Exception {
        Channel ch = channel();
        String queue = queueWith(ch, 50);
        ch.basicQos(5);
        AtomicInteger unacked = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        AtomicInteger received = new AtomicInteger();
        BlockingQueue<Long> toAck = new LinkedBlockingQueue<>();
        ch.basicConsume(queue, false, new DefaultConsumer(ch) {
            @Override
            public void handleDelivery(String tag, Envelope envelope, AMQP.BasicProperties properties, byte[] body) {
                most.accumulateAndGet(unacked.incrementAndGet(), Math::max);
                received.incrementAndGet();
                toAck.add(envelope.getDeliveryTag());
            }
        });

        await().until(() -> received.get() == 5);
        await().during(Duration.ofMillis(200)).until(() -> received.get() == 5);
        while (received.get() < 50 || !toAck.isEmpty()) {
            Long tag = toAck.poll(5, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(tag).as("a delivery within 5 s").isNotNull();
            unacked.decrementAndGet();
            ch.basicAck(tag, false);
        }

        assertThat(most.get()).isEqualTo(5);
        await().until(() -> ch.messageCount(queue) == 0);
    }

    @Test
    void aCancelledConsumerGetsNoMoreAndItsUnackedMessagesReturnWhenTheChannelCloses() throws Exception {
        Channel setup = channel();
        String queue = queueWith(setup, 2);
        Channel ch = channel();
        ch.basicQos(1);
        Recorder recorder = new Recorder(ch);
        String tag = ch.basicConsume(queue, false, recorder);
        await().until(() -> recorder.bodies.size() == 1);

        ch.basicCancel(tag);
        await().during(Duration.ofMillis(200)).until(() -> recorder.bodies.size() == 1);
        ch.close();

        await().until(() -> setup.messageCount(queue) == 2);
        GetResponse again = setup.basicGet(queue, true);
        assertThat(text(again.getBody())).isEqualTo("m0");
        assertThat(again.getEnvelope().isRedeliver()).isTrue();
    }

    @Test
    void consumeAndCancelWithNoWaitTakeEffectWithoutAReply() throws Exception {
        Channel ch = channel();
        String queue = queueWith(ch, 0);

        // the client has no nowait forms: send them raw (on an empty queue, so no delivery surprises the client)
        ch.asyncRpc(new AMQImpl.Basic.Consume(0, queue, "quiet", false, true, false, true, Map.of()));
        await().until(() -> ch.consumerCount(queue) == 1);
        ch.asyncRpc(new AMQImpl.Basic.Cancel("quiet", true));

        await().until(() -> ch.consumerCount(queue) == 0);
    }

    @Test
    void getAnswersGetOkWithTheCountLeftThenGetEmpty() throws Exception {
        Channel ch = channel();
        String queue = queueWith(ch, 2);

        GetResponse first = ch.basicGet(queue, false);
        GetResponse second = ch.basicGet(queue, true);
        GetResponse none = ch.basicGet(queue, true);

        assertThat(first.getMessageCount()).isEqualTo(1);
        assertThat(second.getMessageCount()).isZero();
        assertThat(none).isNull();
        ch.basicAck(first.getEnvelope().getDeliveryTag(), false);
        assertThat(ch.messageCount(queue)).isZero();
    }

    @Test
    void ackMultipleSettlesEveryDeliveryUpToTheTag() throws Exception {
        Channel ch = channel();
        String queue = queueWith(ch, 5);
        Recorder recorder = new Recorder(ch);
        ch.basicConsume(queue, false, recorder);
        await().until(() -> recorder.envelopes.size() == 5);
        List<Envelope> envelopes = List.copyOf(recorder.envelopes);

        ch.basicAck(envelopes.get(2).getDeliveryTag(), true);
        ch.basicRecover(true);

        await().until(() -> recorder.envelopes.size() == 7);
        assertThat(recorder.bodies.subList(5, 7)).containsExactlyInAnyOrder("m3", "m4");
    }

    @Test
    void nackMultipleRequeuesOrDiscardsEveryDeliveryUpToTheTag() throws Exception {
        Channel setup = channel();
        String queue = queueWith(setup, 6);
        Channel ch = channel();
        List<GetResponse> got = new java.util.ArrayList<>();
        for (int i = 0; i < 6; i++) {
            got.add(ch.basicGet(queue, false));
        }

        ch.basicNack(got.get(2).getEnvelope().getDeliveryTag(), true, true); // m0..m2 back
        ch.basicNack(got.get(4).getEnvelope().getDeliveryTag(), true, false); // m3, m4 dropped
        ch.basicAck(got.get(5).getEnvelope().getDeliveryTag(), false);

        await().until(() -> setup.messageCount(queue) == 3);
        List<String> left = List.of(
                text(setup.basicGet(queue, true).getBody()),
                text(setup.basicGet(queue, true).getBody()),
                text(setup.basicGet(queue, true).getBody()));
        assertThat(left).containsExactly("m0", "m1", "m2");
    }

    @Test
    void rejectRequeuesAsRedeliveredOrDiscards() throws Exception {
        Channel ch = channel();
        String queue = queueWith(ch, 2);
        GetResponse m0 = ch.basicGet(queue, false);
        GetResponse m1 = ch.basicGet(queue, false);

        ch.basicReject(m0.getEnvelope().getDeliveryTag(), true);
        ch.basicReject(m1.getEnvelope().getDeliveryTag(), false);

        await().until(() -> ch.messageCount(queue) == 1);
        GetResponse again = ch.basicGet(queue, true);
        assertThat(text(again.getBody())).isEqualTo("m0");
        assertThat(again.getEnvelope().isRedeliver()).isTrue();
    }

    @Test
    void recoverAndRecoverAsyncRedeliverTheUnacknowledgedMessagesFlaggedRedelivered() throws Exception {
        Channel ch = channel();
        String queue = queueWith(ch, 1);
        Recorder recorder = new Recorder(ch);
        ch.basicConsume(queue, false, recorder);
        Envelope first = recorder.envelopes.poll(5, java.util.concurrent.TimeUnit.SECONDS);

        ch.basicRecover(true);
        Envelope second = recorder.envelopes.poll(5, java.util.concurrent.TimeUnit.SECONDS);
        ch.asyncRpc(new AMQImpl.Basic.RecoverAsync(true)); // the client dropped its deprecated method
        Envelope third = recorder.envelopes.poll(5, java.util.concurrent.TimeUnit.SECONDS);

        assertThat(first.isRedeliver()).isFalse();
        assertThat(second.isRedeliver()).isTrue();
        assertThat(third.isRedeliver()).isTrue();
        assertThat(third.getDeliveryTag()).isGreaterThan(second.getDeliveryTag());
        ch.basicAck(third.getDeliveryTag(), false);
        await().until(() -> channel().messageCount(queue) == 0);
    }

    @Test
    void recoverWithoutRequeueIsNotImplementedAsInRabbitMq() throws Exception {
        Channel ch = channel();
        assertConnectionError(540, () -> ch.basicRecover(false));
    }

    @Test
    void publishingWithImmediateIsNotImplementedAndPublishesNothingAsInRabbitMq() throws Exception {
        Channel ch = channel();
        String queue = ch.queueDeclare("immediate", false, false, false, null).getQueue();

        ch.basicPublish("", queue, false, true, null, bytes("now or never"));

        String text = assertConnectionError(540, ch::queueDeclare);
        assertThat(text).isEqualTo("NOT_IMPLEMENTED - immediate=true");
        assertThat(newConnection().createChannel().messageCount(queue)).isZero();
    }

    @Test
    void anUnroutableMandatoryMessageIsReturnedWithItsPropertiesAndARoutedOneIsNot() throws Exception {
        Channel ch = channel();
        String queue = ch.queueDeclare().getQueue();
        BlockingQueue<Return> returns = new LinkedBlockingQueue<>();
        ch.addReturnListener(returns::add);
        AMQP.BasicProperties props =
                new AMQP.BasicProperties.Builder().messageId("r-1").build();

        ch.basicPublish("amq.direct", "nobody", true, props, bytes("lost"));
        ch.basicPublish("", queue, true, props, bytes("kept"));
        ch.basicPublish("amq.direct", "nobody", false, props, bytes("dropped"));

        Return r = returns.poll(5, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(r.getReplyCode()).isEqualTo(312);
        assertThat(r.getReplyText()).isEqualTo("NO_ROUTE");
        assertThat(r.getExchange()).isEqualTo("amq.direct");
        assertThat(r.getRoutingKey()).isEqualTo("nobody");
        assertThat(r.getProperties().getMessageId()).isEqualTo("r-1");
        assertThat(text(r.getBody())).isEqualTo("lost");
        await().until(() -> ch.messageCount(queue) == 1);
        assertThat(returns).isEmpty();
    }

    @Test
    void anUnknownDeliveryTagIsAPreconditionFailure() throws Exception {
        Channel ch = channel();
        ch.basicAck(42, false);
        assertChannelError(406, () -> ch.queueDeclare());

        Channel twice = channel();
        String queue = queueWith(twice, 1);
        long tag = twice.basicGet(queue, false).getEnvelope().getDeliveryTag();
        twice.basicAck(tag, false);
        twice.basicReject(tag, true);
        assertChannelError(406, () -> twice.queueDeclare());
    }

    @Test
    void reusingAConsumerTagOnAChannelIsNotAllowed() throws Exception {
        Channel ch = channel();
        String queue = ch.queueDeclare().getQueue();
        ch.basicConsume(queue, true, "tag", (t, m) -> {}, t -> {});

        // the client refuses a tag it knows itself: send the second consume raw
        ch.asyncRpc(new AMQImpl.Basic.Consume(0, queue, "tag", false, true, false, true, Map.of()));
        assertConnectionError(530, ch::queueDeclare);
    }
}
