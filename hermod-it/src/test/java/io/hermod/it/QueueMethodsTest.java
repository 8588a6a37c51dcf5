package io.hermod.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.impl.AMQImpl;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The queue class (spec 1.7) through the RabbitMQ Java client: every method, its nowait form and its errors. */
class QueueMethodsTest extends ServerTestSupport {

    @Test
    void aDeclareAnswersWithTheNameAndCountsAndAPassiveOneFindsTheQueue() throws Exception {
        Channel ch = channel();

        AMQP.Queue.DeclareOk named = ch.queueDeclare("jobs", true, false, false, Map.of("x-max-length", 10));
        AMQP.Queue.DeclareOk generated = ch.queueDeclare();
        ch.basicPublish("", "jobs", null, bytes("1"));
        await().until(() -> ch.queueDeclarePassive("jobs").getMessageCount() == 1);

        assertThat(named.getQueue()).isEqualTo("jobs");
        assertThat(named.getMessageCount()).isZero();
        assertThat(generated.getQueue()).startsWith("amq.gen-");
        assertThat(ch.queueDeclarePassive("jobs").getConsumerCount()).isZero();
    }

    @Test
    void anEmptyQueueNameIsTheQueueTheChannelDeclaredLastAsRabbitMqExpandsIt() throws Exception {
        // rabbit_channel:expand_shortcuts (the Java client's own Routing test, mRDQRouting, relies on it)
        Channel ch = channel();
        String queue = ch.queueDeclare().getQueue();

        ch.queueBind("", "amq.direct", ""); // the queue, bound with its own name as the routing key
        ch.basicPublish("amq.direct", queue, null, bytes("one"));
        ch.basicPublish("amq.direct", queue, null, bytes("two"));
        await().until(() -> ch.messageCount(queue) == 2);

        assertThat(text(ch.basicGet("", true).getBody())).isEqualTo("one");
        assertThat(ch.queuePurge("").getMessageCount()).isEqualTo(1);
        ch.queueUnbind("", "amq.direct", "");
        ch.queueDelete("");
        assertChannelError(404, () -> channel().queueDeclarePassive(queue));
        assertThat(assertChannelError(404, () -> channel().basicGet("", true)))
                .isEqualTo("NOT_FOUND - no previously declared queue");
    }

    @Test
    void lineBreaksAreDroppedFromTheNamesOfDeclaresDeletesAndBindingsAsRabbitMqDoes() throws Exception {
        // rabbit_channel:strip_cr_lf (the Java client's ExchangeDeclare and QueueLifecycle tests)
        Channel ch = channel();
        ch.queueDeclare("que\nue_test", false, false, false, null);
        ch.exchangeDeclare("exch\r\nange_test", "fanout");

        ch.queueDeclarePassive("queue_test");
        ch.exchangeDeclarePassive("exchange_test");
        ch.queueBind("queue\n_test", "exchange\r_test", "");
        ch.basicPublish("exchange_test", "", null, bytes("m"));
        await().until(() -> ch.messageCount("queue_test") == 1);
        ch.exchangeDelete("exchange\n_test");
        ch.queueDelete("queue_test\r");

        assertChannelError(404, () -> channel().queueDeclarePassive("queue_test"));
        assertChannelError(404, () -> channel().exchangeDeclarePassive("exchange_test"));
    }

    @Test
    void noWaitDeclareBindAndDeleteTakeEffectWithoutAReply() throws Exception {
        Channel ch = channel();

        ch.queueDeclareNoWait("nw", false, false, false, Map.of());
        ch.queueBindNoWait("nw", "amq.fanout", "", Map.of());
        ch.basicPublish("amq.fanout", "", null, bytes("x"));
        await().until(() -> ch.messageCount("nw") == 1);
        ch.queueDeleteNoWait("nw", false, false);

        assertChannelError(404, () -> ch.queueDeclarePassive("nw"));
    }

    @Test
    void purgeDropsTheReadyMessagesAndSaysHowManyAlsoWithNoWait() throws Exception {
        Channel ch = channel();
        ch.queueDeclare("p", false, false, false, null);
        for (int i = 0; i < 3; i++) {
            ch.basicPublish("", "p", null, bytes("m" + i));
        }
        await().until(() -> ch.messageCount("p") == 3);

        assertThat(ch.queuePurge("p").getMessageCount()).isEqualTo(3);
        ch.basicPublish("", "p", null, bytes("again"));
        await().until(() -> ch.messageCount("p") == 1);
        ch.asyncRpc(new AMQImpl.Queue.Purge(0, "p", true)); // the client has no purge-nowait method

        await().until(() -> ch.messageCount("p") == 0);
    }

    @Test
    void unbindStopsRoutingThroughThatBindingOnly() throws Exception {
        Channel ch = channel();
        ch.queueDeclare("u", false, false, false, null);
        ch.queueBind("u", "amq.direct", "a");
        ch.basicPublish("amq.direct", "a", null, bytes("1"));
        await().until(() -> ch.messageCount("u") == 1);

        ch.queueUnbind("u", "amq.direct", "a");
        ch.basicPublish("amq.direct", "a", null, bytes("2"));
        ch.basicPublish("", "u", null, bytes("3"));

        await().until(() -> ch.messageCount("u") == 2);
        assertThat(text(ch.basicGet("u", true).getBody())).isEqualTo("1");
        assertThat(text(ch.basicGet("u", true).getBody())).isEqualTo("3");
    }

    @Test
    void deleteReturnsTheMessageCountAndHonoursIfUnusedAndIfEmpty() throws Exception {
        Channel ch = channel();
        ch.queueDeclare("d", false, false, false, null);
        ch.basicPublish("", "d", null, bytes("1"));
        await().until(() -> ch.messageCount("d") == 1);

        assertChannelError(406, () -> ch.queueDelete("d", false, true));
        Channel consumer = channel();
        consumer.queueDeclare("busy", false, false, false, null);
        String tag = consumer.basicConsume("busy", false, (t, m) -> {}, t -> {});
        assertChannelError(406, () -> channel().queueDelete("busy", true, false));
        consumer.basicCancel(tag);

        assertThat(channel().queueDelete("d").getMessageCount()).isEqualTo(1);
        assertThat(channel().queueDelete("busy", true, true).getMessageCount()).isZero();
    }

    @Test
    void aMissingQueueIsNotFoundForEveryMethodThatNamesIt() throws Exception {
        assertChannelError(404, () -> channel().queueDeclarePassive("missing"));
        assertChannelError(404, () -> channel().queueBind("missing", "amq.direct", "k"));
        assertChannelError(404, () -> channel().queuePurge("missing"));
        assertChannelError(404, () -> channel().basicGet("missing", true));
        assertChannelError(404, () -> channel().basicConsume("missing", true, (t, m) -> {}, t -> {}));
        assertChannelError(
                404, () -> channel().queueBind(channel().queueDeclare().getQueue(), "missing-x", "k"));
    }

    @Test
    void anInequivalentRedeclareIsAPreconditionFailure() throws Exception {
        channel().queueDeclare("eq", true, false, false, Map.of("x-message-ttl", 1000));

        assertChannelError(406, () -> channel().queueDeclare("eq", false, false, false, Map.of("x-message-ttl", 1000)));
        assertChannelError(406, () -> channel().queueDeclare("eq", true, false, false, Map.of("x-message-ttl", 5)));
    }

    @Test
    void aReservedNameIsRefusedWithAccessRefused() throws Exception {
        assertChannelError(403, () -> channel().queueDeclare("amq.mine", false, false, false, null));
    }

    @Test
    void anotherConnectionsExclusiveQueueIsLockedForEveryUse() throws Exception {
        String queue = channel().queueDeclare("mine", false, true, false, null).getQueue();
        Connection other = newConnection();

        assertChannelError(405, () -> other.createChannel().queueDeclare(queue, false, true, false, null));
        assertChannelError(405, () -> other.createChannel().basicConsume(queue, true, (t, m) -> {}, t -> {}));
        assertChannelError(405, () -> other.createChannel().basicGet(queue, true));
        assertChannelError(405, () -> other.createChannel().queuePurge(queue));
        assertChannelError(405, () -> other.createChannel().queueDelete(queue));
    }

    @Test
    void anExclusiveQueueGoesAwayWithItsConnection() throws Exception {
        Connection owner = newConnection();
        owner.createChannel().queueDeclare("temp", false, true, false, null);

        owner.close();

        await().untilAsserted(() -> assertChannelError(404, () -> channel().queueDeclarePassive("temp")));
    }
}
