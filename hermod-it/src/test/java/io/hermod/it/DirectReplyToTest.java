package io.hermod.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import com.rabbitmq.client.Return;
import com.rabbitmq.client.RpcClient;
import com.rabbitmq.client.RpcClientParams;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * RabbitMQ's direct reply-to (https://www.rabbitmq.com/docs/direct-reply-to): replies published to the address the
 * server wrote into {@code reply_to} go straight to the requester's no-ack consumer of {@code amq.rabbitmq.reply-to}.
 */
class DirectReplyToTest extends ServerTestSupport {

    private static final String REPLY_TO = "amq.rabbitmq.reply-to";

    /** A responder on its own connection: answers each request on "rpc" with "re: body" to its reply_to. */
    private List<String> startResponder() throws Exception {
        Channel ch = newConnection().createChannel();
        ch.queueDeclare("rpc", false, false, false, null);
        List<String> replyTos = new CopyOnWriteArrayList<>();
        ch.basicConsume("rpc", true, new DefaultConsumer(ch) {
            @Override
            public void handleDelivery(String tag, Envelope envelope, AMQP.BasicProperties props, byte[] body)
                    throws java.io.IOException {
                replyTos.add(props.getReplyTo());
                AMQP.BasicProperties reply = new AMQP.BasicProperties.Builder()
                        .correlationId(props.getCorrelationId())
                        .build();
                getChannel().basicPublish("", props.getReplyTo(), reply, bytes("re: " + text(body)));
            }
        });
        return replyTos;
    }

    @Test
    void theJavaClientsRpcClientGetsItsRepliesThroughDirectReplyTo() throws Exception {
        List<String> replyTos = startResponder();
        RpcClient rpc = new RpcClient(new RpcClientParams()
                .channel(channel())
                .exchange("")
                .routingKey("rpc")
                .replyTo(REPLY_TO)
                .timeout(5_000));

        String first = rpc.stringCall("ping");
        String second = rpc.stringCall("pong");

        assertThat(first).isEqualTo("re: ping");
        assertThat(second).isEqualTo("re: pong");
        assertThat(replyTos).hasSize(2);
        assertThat(replyTos.get(0)).startsWith(REPLY_TO + ".").isEqualTo(replyTos.get(1));
        rpc.close();
    }

    @Test
    void consumeOkCarriesAGeneratedTagAndRepliesArriveWithItOnTheDefaultExchange() throws Exception {
        startResponder();
        Channel ch = channel();
        BlockingQueue<Envelope> replies = new LinkedBlockingQueue<>();
        List<String> tags = new CopyOnWriteArrayList<>();
        String tag = ch.basicConsume(REPLY_TO, true, new DefaultConsumer(ch) {
            @Override
            public void handleDelivery(String t, Envelope envelope, AMQP.BasicProperties props, byte[] body) {
                tags.add(t);
                replies.add(envelope);
            }
        });

        ch.basicPublish(
                "", "rpc", new AMQP.BasicProperties.Builder().replyTo(REPLY_TO).build(), bytes("q"));

        Envelope reply = replies.poll(5, TimeUnit.SECONDS);
        assertThat(tag).startsWith("amq.ctag-");
        assertThat(tags).containsExactly(tag);
        assertThat(reply.getExchange()).isEmpty();
        assertThat(reply.getRoutingKey()).startsWith(REPLY_TO + ".");
        assertThat(reply.isRedeliver()).isFalse();
    }

    @Test
    void theReplyAddressIsARealDeclarableNameOnlyWhileItsConsumerLives() throws Exception {
        List<String> replyTos = startResponder();
        Channel ch = channel();
        BlockingQueue<String> replies = new LinkedBlockingQueue<>();
        String tag = ch.basicConsume(REPLY_TO, true, (t, d) -> replies.add(text(d.getBody())), t -> {});
        ch.basicPublish(
                "", "rpc", new AMQP.BasicProperties.Builder().replyTo(REPLY_TO).build(), bytes("q"));
        assertThat(replies.poll(5, TimeUnit.SECONDS)).isEqualTo("re: q");
        String address = replyTos.get(0);

        assertThat(channel().queueDeclarePassive(REPLY_TO).getQueue()).isEqualTo(REPLY_TO);
        assertThat(channel().queueDeclarePassive(address).getConsumerCount()).isEqualTo(1);
        ch.basicCancel(tag);

        assertChannelError(404, () -> channel().queueDeclarePassive(address));
    }

    @Test
    void aReplyToAGoneConsumerIsDroppedAndReturnedWhenMandatory() throws Exception {
        List<String> replyTos = startResponder();
        Channel requester = newConnection().createChannel();
        requester.basicConsume(REPLY_TO, true, (t, d) -> {}, t -> {});
        requester.basicPublish(
                "", "rpc", new AMQP.BasicProperties.Builder().replyTo(REPLY_TO).build(), bytes("q"));
        await().until(() -> replyTos.size() == 1);
        requester.getConnection().close();
        Channel ch = channel();
        BlockingQueue<Return> returns = new LinkedBlockingQueue<>();
        ch.addReturnListener(returns::add);

        ch.basicPublish("", replyTos.get(0), true, null, bytes("too late"));
        ch.basicPublish("", REPLY_TO + ".unknown-token", true, null, bytes("nobody"));

        assertThat(returns.poll(5, TimeUnit.SECONDS).getReplyCode()).isEqualTo(312);
        assertThat(text(returns.poll(5, TimeUnit.SECONDS).getBody())).isEqualTo("nobody");
        assertThat(ch.isOpen()).isTrue();
    }

    @Test
    void aReplyConsumerMustBeNoAckAndOnlyOnePerChannel() throws Exception {
        assertThat(assertChannelError(406, () -> channel().basicConsume(REPLY_TO, false, (t, d) -> {}, t -> {})))
                .contains("reply consumer cannot acknowledge");

        Channel ch = channel();
        ch.basicConsume(REPLY_TO, true, (t, d) -> {}, t -> {});
        assertThat(assertChannelError(406, () -> ch.basicConsume(REPLY_TO, true, (t, d) -> {}, t -> {})))
                .contains("reply consumer already set");
    }

    @Test
    void publishingWithReplyToWithoutAReplyConsumerIsAPreconditionFailure() throws Exception {
        Channel ch = channel();
        ch.basicPublish(
                "",
                "anywhere",
                new AMQP.BasicProperties.Builder().replyTo(REPLY_TO).build(),
                bytes("q"));

        assertThat(assertChannelError(406, ch::queueDeclare)).contains("fast reply consumer does not exist");
    }

    @Test
    void theOtherPropertiesSurviveTheReplyToRewrite() throws Exception {
        Channel ch = channel();
        String queue = ch.queueDeclare().getQueue();
        ch.basicConsume(REPLY_TO, true, (t, d) -> {}, t -> {});
        AMQP.BasicProperties props = new AMQP.BasicProperties.Builder()
                .replyTo(REPLY_TO)
                .correlationId("c-7")
                .contentType("application/json")
                .headers(Map.of("k", "v"))
                .deliveryMode(2)
                .build();

        ch.basicPublish("", queue, props, bytes("{}"));

        await().atMost(Duration.ofSeconds(5)).until(() -> ch.messageCount(queue) == 1);
        AMQP.BasicProperties stored = ch.basicGet(queue, true).getProps();
        assertThat(stored.getReplyTo()).startsWith(REPLY_TO + ".");
        assertThat(stored.getCorrelationId()).isEqualTo("c-7");
        assertThat(stored.getContentType()).isEqualTo("application/json");
        assertThat(stored.getHeaders()).containsKey("k");
        assertThat(stored.getDeliveryMode()).isEqualTo(2);
    }

    @Test
    void aReplyArrivesWithoutItsBccHeaderAsEveryRoutedMessage() throws Exception {
        Channel ch = channel();
        String queue = ch.queueDeclare().getQueue();
        BlockingQueue<Map<String, Object>> replyHeaders = new LinkedBlockingQueue<>();
        ch.basicConsume(
                REPLY_TO, true, (t, d) -> replyHeaders.add(d.getProperties().getHeaders()), t -> {});
        ch.basicPublish(
                "", queue, new AMQP.BasicProperties.Builder().replyTo(REPLY_TO).build(), bytes("q"));
        await().atMost(Duration.ofSeconds(5)).until(() -> ch.messageCount(queue) == 1);
        String address = ch.basicGet(queue, true).getProps().getReplyTo();

        channel()
                .basicPublish(
                        "",
                        address,
                        new AMQP.BasicProperties.Builder()
                                .headers(Map.of("BCC", List.of("audit"), "app", "billing"))
                                .build(),
                        bytes("re: q"));

        Map<String, Object> headers = replyHeaders.poll(5, TimeUnit.SECONDS);
        assertThat(headers).containsKey("app").doesNotContainKey("BCC");
    }

    @Test
    void theServerAnnouncesTheCapability() {
        @SuppressWarnings("unchecked")
        Map<String, Object> capabilities =
                (Map<String, Object>) connection.getServerProperties().get("capabilities");
        assertThat(capabilities).containsEntry("direct_reply_to", true);
    }
}
