package io.hermod.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.GetResponse;
import com.rabbitmq.client.LongString;
import com.rabbitmq.client.Return;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * RabbitMQ's sender-selected distribution with its own client: the {@code CC} and {@code BCC} headers (arrays of long
 * strings) add routing keys; consumers see {@code CC} but not {@code BCC}; a mandatory message comes back only when no
 * key routes it, without {@code BCC}; a {@code CC} that is not an array closes the channel with RabbitMQ's 406.
 */
class SenderSelectedTest extends ServerTestSupport {

    private static AMQP.BasicProperties withHeaders(Map<String, Object> headers) {
        return new AMQP.BasicProperties.Builder().headers(headers).build();
    }

    /** The header's value as the client decodes it: long strings become text here. */
    private static Object plain(Object value) {
        if (value instanceof List<?> list) {
            return list.stream().map(SenderSelectedTest::plain).toList();
        }
        return value instanceof LongString s ? s.toString() : value;
    }

    @Test
    void ccAndBccKeysReachTheirQueuesAndConsumersSeeCcButNotBcc() throws Exception {
        Channel ch = channel();
        ch.exchangeDeclare("orders", "direct");
        for (String queue : List.of("billing", "shipping", "audit", "other")) {
            ch.queueDeclare(queue, false, false, false, null);
        }
        ch.queueBind("billing", "orders", "billing");
        ch.queueBind("shipping", "orders", "shipping");
        ch.queueBind("audit", "orders", "audit");
        ch.queueBind("other", "orders", "other");
        ch.confirmSelect();

        ch.basicPublish(
                "orders",
                "billing",
                withHeaders(Map.of("CC", List.of("shipping"), "BCC", List.of("audit", "billing"), "order", 7)),
                bytes("order 7"));
        ch.waitForConfirmsOrDie(5_000);

        for (String queue : List.of("billing", "shipping", "audit")) {
            GetResponse got = ch.basicGet(queue, true);
            assertThat(got).as("a copy in %s", queue).isNotNull();
            assertThat(ch.basicGet(queue, true)).as("one copy in %s", queue).isNull();
            assertThat(text(got.getBody())).isEqualTo("order 7");
            assertThat(got.getEnvelope().getRoutingKey()).isEqualTo("billing");
            Map<String, Object> headers = got.getProps().getHeaders();
            assertThat(headers).doesNotContainKey("BCC").containsEntry("order", 7);
            assertThat(plain(headers.get("CC"))).isEqualTo(List.of("shipping"));
        }
        assertThat(ch.messageCount("other")).isZero();
    }

    @Test
    void aMandatoryMessageIsReturnedOnlyWhenNoKeyRoutesIt() throws Exception {
        Channel ch = channel();
        String queue = ch.queueDeclare().getQueue();
        BlockingQueue<Return> returns = new LinkedBlockingQueue<>();
        ch.addReturnListener(returns::add);

        ch.basicPublish("", "nobody", true, withHeaders(Map.of("BCC", List.of(queue))), bytes("found"));
        ch.basicPublish("", "nobody", true, withHeaders(Map.of("CC", List.of("nobody-else"))), bytes("lost"));

        Return r = returns.poll(5, TimeUnit.SECONDS);
        assertThat(text(r.getBody())).isEqualTo("lost");
        await().until(() -> ch.messageCount(queue) == 1);
        assertThat(returns).isEmpty();
        assertThat(text(ch.basicGet(queue, true).getBody())).isEqualTo("found");
    }

    @Test
    void aReturnedMessageKeepsItsCcButNotItsBcc() throws Exception {
        Channel ch = channel();
        BlockingQueue<Return> returns = new LinkedBlockingQueue<>();
        ch.addReturnListener(returns::add);
        ch.txSelect(); // a transaction's returns take their own way
        Channel plain = channel();
        plain.addReturnListener(returns::add);
        AMQP.BasicProperties properties =
                withHeaders(Map.of("CC", List.of("nobody-else"), "BCC", List.of("nobody-either"), "order", 7));

        plain.basicPublish("", "nobody", true, properties, bytes("lost"));
        ch.basicPublish("", "nobody", true, properties, bytes("lost in tx"));
        ch.txCommit();

        for (int i = 0; i < 2; i++) {
            Return r = returns.poll(5, TimeUnit.SECONDS);
            assertThat(r).as("return %s", i).isNotNull();
            assertThat(r.getRoutingKey()).isEqualTo("nobody");
            Map<String, Object> headers = r.getProperties().getHeaders();
            assertThat(headers).as(text(r.getBody())).doesNotContainKey("BCC").containsEntry("order", 7);
            assertThat(plain(headers.get("CC"))).isEqualTo(List.of("nobody-else"));
        }
    }

    @Test
    void aCcThatIsNotAnArrayClosesTheChannelWithRabbitMqs406() throws Exception {
        Channel ch = channel();
        ch.queueDeclare("q", false, false, false, null);

        String text = assertChannelError(406, () -> {
            ch.basicPublish("", "q", withHeaders(Map.of("CC", "q")), bytes("bad"));
            ch.queueDeclarePassive("q"); // a round trip: the channel error arrives
        });

        assertThat(text)
                .isEqualTo("PRECONDITION_FAILED - invalid message: {unacceptable_type_in_header,\"CC\",longstr}");
        assertThat(channel().messageCount("q")).isZero();
    }
}
