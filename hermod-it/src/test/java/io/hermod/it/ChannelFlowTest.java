package io.hermod.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Command;
import com.rabbitmq.client.impl.AMQImpl;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** channel.flow (spec 1.5.2.3) from the client: active=false stops deliveries to the channel until active=true. */
class ChannelFlowTest extends ServerTestSupport {

    /** The Java client has no channel.flow method any more: send it as a raw RPC. */
    private static boolean flow(Channel ch, boolean active) throws Exception {
        Command ok = ch.rpc(new AMQImpl.Channel.Flow(active));
        return ((AMQP.Channel.FlowOk) ok.getMethod()).getActive();
    }

    @Test
    void aPausedChannelGetsNoDeliveriesUntilResumedAndThenGetsThemInOrder() throws Exception {
        Channel ch = channel();
        String queue = ch.queueDeclare().getQueue();
        List<String> received = new CopyOnWriteArrayList<>();
        ch.basicConsume(queue, false, (t, d) -> received.add(text(d.getBody())), t -> {});
        Channel publisher = channel();

        assertThat(flow(ch, false)).isFalse();
        for (int i = 0; i < 5; i++) {
            publisher.basicPublish("", queue, null, bytes("m" + i));
        }
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(received::isEmpty);
        assertThat(flow(ch, true)).isTrue();

        await().until(() -> received.size() == 5);
        assertThat(received).containsExactly("m0", "m1", "m2", "m3", "m4");
    }

    @Test
    void aConsumerCancelledWhilePausedNeverSeesTheMessagesWhichStayInTheQueue() throws Exception {
        Channel ch = channel();
        Channel observer = channel();
        observer.queueDeclare("cancelled", false, false, false, null);
        List<String> received = new CopyOnWriteArrayList<>();
        String tag = ch.basicConsume("cancelled", false, (t, d) -> received.add(text(d.getBody())), t -> {});
        flow(ch, false);
        observer.basicPublish("", "cancelled", null, bytes("a"));
        observer.basicPublish("", "cancelled", null, bytes("b"));
        // a paused channel's consumers take nothing: the queue keeps the messages (as RabbitMQ)
        await().during(Duration.ofMillis(300))
                .atMost(Duration.ofSeconds(2))
                .until(() -> observer.queueDeclarePassive("cancelled").getMessageCount() == 2);

        ch.basicCancel(tag);
        flow(ch, true);

        await().until(() -> observer.messageCount("cancelled") == 2);
        assertThat(received).isEmpty();
        assertThat(ch.isOpen()).isTrue();
        assertThat(text(observer.basicGet("cancelled", true).getBody())).isEqualTo("a");
    }

    @Test
    void pollingStillWorksOnAPausedChannel() throws Exception {
        Channel ch = channel();
        String queue = ch.queueDeclare().getQueue();
        ch.basicPublish("", queue, null, bytes("polled"));
        await().until(() -> ch.messageCount(queue) == 1);

        flow(ch, false);

        assertThat(text(ch.basicGet(queue, true).getBody())).isEqualTo("polled");
    }

    @Test
    void messagesForAPausedChannelStayInTheQueueAndAreThereWhenItCloses() throws Exception {
        Channel ch = channel();
        Channel observer = channel();
        observer.queueDeclare("held", false, false, false, null);
        ch.basicQos(10);
        List<String> received = new CopyOnWriteArrayList<>();
        ch.basicConsume("held", false, (t, d) -> received.add(text(d.getBody())), t -> {});
        flow(ch, false);
        observer.basicPublish("", "held", null, bytes("a"));
        observer.basicPublish("", "held", null, bytes("b"));
        await().during(Duration.ofMillis(300))
                .atMost(Duration.ofSeconds(2))
                .until(() -> observer.queueDeclarePassive("held").getMessageCount() == 2);

        ch.close();

        await().until(() -> observer.messageCount("held") == 2);
        assertThat(received).isEmpty();
    }
}
