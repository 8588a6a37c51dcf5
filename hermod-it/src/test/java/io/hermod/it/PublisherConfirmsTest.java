package io.hermod.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.ConfirmListener;
import com.rabbitmq.client.MessageProperties;
import com.rabbitmq.client.impl.AMQImpl;
import java.time.Duration;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** RabbitMQ's publisher confirms (the confirm class) through the RabbitMQ Java client. */
class PublisherConfirmsTest extends ServerTestSupport {

    private static final int LOAD = 20_000;

    @Test
    void everyOneOfManyPersistentPublishesIsConfirmedExactlyOnce() throws Exception {
        Channel ch = channel();
        ch.queueDeclare("durable", true, false, false, null);
        ch.confirmSelect();
        ConcurrentSkipListSet<Long> acked = new ConcurrentSkipListSet<>();
        AtomicInteger nacked = new AtomicInteger();
        ch.addConfirmListener(new ConfirmListener() {
            @Override
            public void handleAck(long deliveryTag, boolean multiple) {
                if (multiple) {
                    for (long t = deliveryTag; t > 0 && acked.add(t); t--) {
                        // every tag up to deliveryTag
                    }
                } else {
                    acked.add(deliveryTag);
                }
            }

            @Override
            public void handleNack(long deliveryTag, boolean multiple) {
                nacked.incrementAndGet();
            }
        });
        byte[] body = new byte[256];

        for (int i = 0; i < LOAD; i++) {
            ch.basicPublish("", "durable", MessageProperties.PERSISTENT_BASIC, body);
        }

        await().atMost(Duration.ofSeconds(20)).until(() -> acked.size() == LOAD);
        assertThat(acked.first()).isEqualTo(1);
        assertThat(acked.last()).isEqualTo(LOAD);
        assertThat(nacked.get()).isZero();
        assertThat(ch.messageCount("durable")).isEqualTo(LOAD);
    }

    @Test
    void waitForConfirmsReturnsOnceAnUnroutableMessageIsConfirmedToo() throws Exception {
        Channel ch = channel();
        ch.confirmSelect();

        ch.basicPublish("amq.direct", "nobody", null, bytes("unroutable"));

        assertThat(ch.waitForConfirms(5_000)).isTrue();
    }

    @Test
    void confirmSelectWithNoWaitNumbersThePublishesWithoutAReply() throws Exception {
        Channel ch = channel();
        String queue = ch.queueDeclare().getQueue();
        ConcurrentSkipListSet<Long> acked = new ConcurrentSkipListSet<>();
        ch.addConfirmListener(
                (tag, multiple) -> {
                    // a multiple ack (the server coalesces confirms) covers every tag above the last one confirmed
                    long from = multiple ? (acked.isEmpty() ? 1 : acked.last() + 1) : tag;
                    for (long t = from; t <= tag; t++) {
                        acked.add(t);
                    }
                },
                (tag, multiple) -> {});

        ch.asyncRpc(new AMQImpl.Confirm.Select(true)); // the client has no confirm.select-nowait method
        ch.basicPublish("", queue, null, bytes("1"));
        ch.basicPublish("", queue, null, bytes("2"));

        await().until(() -> acked.contains(2L));
        assertThat(acked).containsExactly(1L, 2L);
    }

    @Test
    void aTransactionalChannelCannotSwitchToConfirmMode() throws Exception {
        Channel ch = channel();
        ch.txSelect();

        String text = assertChannelError(406, ch::confirmSelect);

        assertThat(text).contains("cannot switch from tx to confirm mode");
    }
}
