package io.hermod.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * basic.qos with {@code global=true} as RabbitMQ 3.3+ applies it: a prefetch all the consumers of a channel share,
 * beside each consumer's own ({@code global=false}); a delivery needs room in both, and a change applies at once.
 */
class ChannelPrefetchTest extends ServerTestSupport {

    /**
     * The consumers of one channel, counting their unacknowledged deliveries, in total and each, and the most seen.
     * A delivery is counted off before its ack is sent, so the counts never lag behind what the server knows.
     */
    static final class Consumers {
        final Channel channel;
        final BlockingQueue<Long> toAck = new LinkedBlockingQueue<>();
        final Map<String, AtomicInteger> unacked = new ConcurrentHashMap<>();
        final Map<String, AtomicInteger> most = new ConcurrentHashMap<>();
        final Map<Long, String> consumerOf = new ConcurrentHashMap<>();
        final AtomicInteger total = new AtomicInteger();
        final AtomicInteger mostTotal = new AtomicInteger();
        final AtomicInteger received = new AtomicInteger();
        final List<String> tags = new ArrayList<>();

        Consumers(Channel channel) {
            this.channel = channel;
        }

        String consume(String queue) throws Exception {
            return channel.basicConsume(queue, false, new DefaultConsumer(channel) {
                @Override
                public void handleDelivery(
                        String tag, Envelope envelope, AMQP.BasicProperties properties, byte[] body) {
                    int mine = unacked.computeIfAbsent(tag, t -> new AtomicInteger())
                            .incrementAndGet();
                    most.computeIfAbsent(tag, t -> new AtomicInteger()).accumulateAndGet(mine, Math::max);
                    mostTotal.accumulateAndGet(total.incrementAndGet(), Math::max);
                    consumerOf.put(envelope.getDeliveryTag(), tag);
                    received.incrementAndGet();
                    toAck.add(envelope.getDeliveryTag());
                }
            });
        }

        /** Acknowledges the oldest delivery not acknowledged yet. */
        void ackOne() throws Exception {
            Long tag = toAck.poll(5, TimeUnit.SECONDS);
            assertThat(tag).as("a delivery within 5 s").isNotNull();
            unacked.get(consumerOf.get(tag)).decrementAndGet();
            total.decrementAndGet();
            channel.basicAck(tag, false);
        }

        /** Acknowledges one at a time until {@code messages} have come and every one is acknowledged. */
        void drain(int messages) throws Exception {
            while (received.get() < messages || !toAck.isEmpty()) {
                ackOne();
            }
        }

        /** Waits until exactly {@code n} are unacknowledged, and stays so: the server sends no more. */
        void awaitSteady(int n) {
            await().until(() -> total.get() == n);
            await().during(Duration.ofMillis(300)).until(() -> total.get() == n);
        }

        int most(String consumerTag) {
            return most.get(consumerTag).get();
        }
    }

    /** Consumers on {@code ch}, one on each of {@code queues}, in order. */
    private static Consumers consumersOf(Channel ch, String... queues) throws Exception {
        Consumers consumers = new Consumers(ch);
        for (String queue : queues) {
            consumers.tags.add(consumers.consume(queue));
        }
        return consumers;
    }

    /** A queue holding {@code messages} messages. */
    private String queueWith(String name, int messages) throws Exception {
        Channel ch = channel();
        ch.queueDeclare(name, false, false, false, null);
        for (int i = 0; i < messages; i++) {
            ch.basicPublish("", name, null, bytes(name + i));
        }
        await().until(() -> ch.messageCount(name) == messages);
        return name;
    }

    @Test
    void aChannelWidePrefetchOfTwoBoundsTheUnackedDeliveriesOfTwoConsumersTogether() throws Exception {
        String left = queueWith("left", 30);
        String right = queueWith("right", 30);
        Channel ch = channel();
        ch.basicQos(2, true);

        Consumers consumers = consumersOf(ch, left, right);

        consumers.awaitSteady(2);
        consumers.drain(60);
        assertThat(consumers.mostTotal.get()).isEqualTo(2);
        await().until(() -> ch.messageCount(left) + ch.messageCount(right) == 0);
    }

    @Test
    void twoConsumersOfOneQueueShareTheChannelWidePrefetch() throws Exception {
        String queue = queueWith("shared", 40);
        Channel ch = channel();
        ch.basicQos(3, true);

        Consumers consumers = consumersOf(ch, queue, queue);

        consumers.awaitSteady(3);
        consumers.drain(40);
        assertThat(consumers.mostTotal.get()).isEqualTo(3);
    }

    @Test
    void aDeliveryNeedsRoomInBothItsConsumersPrefetchAndTheChannels() throws Exception {
        String left = queueWith("left", 20);
        String right = queueWith("right", 20);
        Channel ch = channel();
        ch.basicQos(2); // per consumer, set first: RabbitMQ lifts the channel-wide one on a per-consumer qos
        ch.basicQos(3, true);

        Consumers consumers = consumersOf(ch, left, right);
        String a = consumers.tags.get(0);
        String b = consumers.tags.get(1);

        consumers.awaitSteady(3); // one consumer at its 2, the other at 1: the channel's 3 are used up
        assertThat(List.of(
                        consumers.unacked.get(a).get(), consumers.unacked.get(b).get()))
                .containsExactlyInAnyOrder(1, 2);
        consumers.drain(40);
        assertThat(consumers.mostTotal.get()).isEqualTo(3);
        assertThat(consumers.most(a)).isLessThanOrEqualTo(2);
        assertThat(consumers.most(b)).isLessThanOrEqualTo(2);
    }

    @Test
    void aChannelWideQosChangedWhileConsumersRunAppliesAtOnce() throws Exception {
        String left = queueWith("left", 20);
        String right = queueWith("right", 20);
        Channel ch = channel();
        ch.basicQos(1, true);
        Consumers consumers = consumersOf(ch, left, right);
        consumers.awaitSteady(1);

        ch.basicQos(3, true); // raised: more go out without any ack
        consumers.awaitSteady(3);

        ch.basicQos(2, true); // lowered: what is out stays out, nothing more until below 2
        consumers.ackOne();
        consumers.awaitSteady(2);
        consumers.ackOne();
        consumers.awaitSteady(2);

        ch.basicQos(0, true); // lifted: everything left goes out
        consumers.awaitSteady(40 - 2);
        consumers.drain(40);
    }

    @Test
    void aPerConsumerQosAfterTheChannelWideOneLiftsItAsInRabbitMq() throws Exception {
        String queue = queueWith("lifted", 10);
        Channel ch = channel();
        ch.basicQos(1, true);
        ch.basicQos(0, false); // rabbit_channel (3.7+): a per-consumer qos unlimits the channel's limiter

        Consumers consumers = consumersOf(ch, queue);

        consumers.awaitSteady(10);
        consumers.drain(10);
    }

    @Test
    void aChannelWidePrefetchSizeIsNotImplementedAsInRabbitMq() throws Exception {
        Channel ch = channel();

        String text = assertConnectionError(540, () -> ch.basicQos(1024, 10, true));

        assertThat(text).isEqualTo("NOT_IMPLEMENTED - prefetch_size!=0 (1024)");
    }
}
