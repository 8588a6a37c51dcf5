package io.hermod.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.GetResponse;
import com.rabbitmq.client.LongString;
import java.time.Duration;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Dead-lettering with RabbitMQ's client: what an application sees in the dead-letter queue is what RabbitMQ would show
 * it — the {@code x-death} array with its field types, the {@code x-first-death-*} headers, the other properties kept
 * and the expiration moved to {@code original-expiration}.
 */
class DeadLetteringTest extends ServerTestSupport {

    private static GetResponse awaitGet(Channel ch, String queue) {
        GetResponse[] got = new GetResponse[1];
        await().atMost(Duration.ofSeconds(5)).until(() -> (got[0] = ch.basicGet(queue, true)) != null);
        return got[0];
    }

    private static String str(Object value) {
        return value == null ? null : value.toString(); // the client reads long strings as LongString
    }

    @Test
    void aNackedMessageArrivesInTheDeadLetterQueueAsRabbitMqWouldShowIt() throws Exception {
        Channel ch = channel();
        ch.exchangeDeclare("dlx", "fanout");
        ch.queueDeclare("dlq", false, false, false, null);
        ch.queueBind("dlq", "dlx", "");
        ch.queueDeclare("work", false, false, false, Map.of("x-dead-letter-exchange", "dlx"));
        AMQP.BasicProperties props = new AMQP.BasicProperties.Builder()
                .contentType("text/plain")
                .messageId("id-1")
                .headers(Map.of("app", "kept"))
                .expiration("60000")
                .build();
        ch.basicPublish("", "work", props, bytes("job"));

        GetResponse taken = null;
        while (taken == null) {
            taken = ch.basicGet("work", false);
        }
        ch.basicNack(taken.getEnvelope().getDeliveryTag(), false, false);

        GetResponse dead = awaitGet(ch, "dlq");
        assertThat(text(dead.getBody())).isEqualTo("job");
        assertThat(dead.getEnvelope().getExchange()).isEqualTo("dlx");
        assertThat(dead.getEnvelope().getRoutingKey()).isEqualTo("work");
        AMQP.BasicProperties p = dead.getProps();
        assertThat(p.getContentType()).isEqualTo("text/plain");
        assertThat(p.getMessageId()).isEqualTo("id-1");
        assertThat(p.getExpiration()).isNull();
        Map<String, Object> headers = p.getHeaders();
        assertThat(str(headers.get("app"))).isEqualTo("kept");
        assertThat(str(headers.get("x-first-death-reason"))).isEqualTo("rejected");
        assertThat(str(headers.get("x-first-death-queue"))).isEqualTo("work");
        assertThat(str(headers.get("x-first-death-exchange"))).isEqualTo("");
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> deaths = (List<Map<String, Object>>) headers.get("x-death");
        assertThat(deaths).hasSize(1);
        Map<String, Object> death = deaths.get(0);
        assertThat(death.get("count")).isEqualTo(1L);
        assertThat(str(death.get("reason"))).isEqualTo("rejected");
        assertThat(str(death.get("queue"))).isEqualTo("work");
        assertThat(str(death.get("exchange"))).isEqualTo("");
        assertThat(str(death.get("original-expiration"))).isEqualTo("60000");
        assertThat(death.get("routing-keys")).asList().singleElement().isInstanceOf(LongString.class);
        assertThat(str(((List<?>) death.get("routing-keys")).get(0))).isEqualTo("work");
        assertThat(death.get("time")).isInstanceOf(Date.class);
        assertThat(((Date) death.get("time")).getTime())
                .isCloseTo(System.currentTimeMillis(), org.assertj.core.data.Offset.offset(5_000L));
    }

    @Test
    void expiredMessagesGoToTheDeadLetterRoutingKey() throws Exception {
        Channel ch = channel();
        ch.queueDeclare("parked", false, false, false, null);
        ch.queueDeclare(
                "fleeting",
                false,
                false,
                false,
                Map.of("x-message-ttl", 100, "x-dead-letter-exchange", "", "x-dead-letter-routing-key", "parked"));
        ch.basicPublish("", "fleeting", null, bytes("late"));

        GetResponse dead = awaitGet(ch, "parked");
        assertThat(text(dead.getBody())).isEqualTo("late");
        assertThat(dead.getEnvelope().getRoutingKey()).isEqualTo("parked");
        assertThat(str(dead.getProps().getHeaders().get("x-first-death-reason")))
                .isEqualTo("expired");
    }

    @Test
    void aPublishRefusedByRejectPublishDlxIsNackedAndDeadLettered() throws Exception {
        Channel ch = channel();
        ch.confirmSelect();
        ch.queueDeclare("overflow", false, false, false, null);
        ch.queueDeclare(
                "bounded",
                false,
                false,
                false,
                Map.of(
                        "x-max-length", 1,
                        "x-overflow", "reject-publish-dlx",
                        "x-dead-letter-exchange", "",
                        "x-dead-letter-routing-key", "overflow"));
        ch.basicPublish("", "bounded", null, bytes("fits"));
        assertThat(ch.waitForConfirms(5_000)).isTrue();
        ch.basicPublish("", "bounded", null, bytes("too many"));
        assertThat(ch.waitForConfirms(5_000))
                .as("the refused publish is nacked")
                .isFalse();

        GetResponse dead = awaitGet(ch, "overflow");
        assertThat(text(dead.getBody())).isEqualTo("too many");
        assertThat(str(dead.getProps().getHeaders().get("x-first-death-reason")))
                .isEqualTo("maxlen");
        assertThat(ch.messageCount("bounded")).isEqualTo(1);
    }
}
