package io.hermod.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.BuiltinExchangeType;
import com.rabbitmq.client.Channel;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The exchange class (spec 1.6) through the RabbitMQ Java client: every method, its nowait form and its errors. */
class ExchangeMethodsTest extends ServerTestSupport {

    /** The spec's four types (the client also knows RabbitMQ's plugin type x-consistent-hash). */
    private static final List<BuiltinExchangeType> TYPES = List.of(
            BuiltinExchangeType.DIRECT,
            BuiltinExchangeType.FANOUT,
            BuiltinExchangeType.TOPIC,
            BuiltinExchangeType.HEADERS);

    @Test
    void everyExchangeTypeIsDeclaredAndAPassiveDeclareFindsIt() throws Exception {
        Channel ch = channel();

        for (BuiltinExchangeType type : TYPES) {
            ch.exchangeDeclare("x." + type.getType(), type, true, false, Map.of());
        }

        for (BuiltinExchangeType type : TYPES) {
            assertThat(ch.exchangeDeclarePassive("x." + type.getType())).isNotNull();
        }
        assertThat(ch.exchangeDeclarePassive("amq.topic")).isNotNull();
    }

    @Test
    void anUnknownTypeClosesOnlyTheChannelWith406AsRabbitMq313Does() throws Exception {
        // pika's own acceptance suite asserts this (ChannelClosedByBroker, 406): rabbit_exchange:check_type
        String text = assertChannelError(406, () -> channel().exchangeDeclare("odd", "ZZwwInvalid"));

        assertThat(text).isEqualTo("PRECONDITION_FAILED - unknown exchange type 'ZZwwInvalid'");
        assertThat(connection.isOpen()).isTrue();
        Channel ch = channel();
        assertChannelError(404, () -> ch.exchangeDeclarePassive("odd"));
    }

    @Test
    void noWaitDeclareBindUnbindAndDeleteTakeEffectWithoutAReply() throws Exception {
        Channel ch = channel();
        String queue = ch.queueDeclare().getQueue();

        ch.exchangeDeclareNoWait("nw.src", BuiltinExchangeType.FANOUT, false, false, false, Map.of());
        ch.exchangeDeclareNoWait("nw.dst", BuiltinExchangeType.FANOUT, false, false, false, Map.of());
        ch.exchangeBindNoWait("nw.dst", "nw.src", "", Map.of());
        ch.queueBind(queue, "nw.dst", "");
        ch.basicPublish("nw.src", "", null, bytes("through"));

        await().until(() -> ch.messageCount(queue) == 1);
        ch.exchangeUnbindNoWait("nw.dst", "nw.src", "", Map.of());
        ch.basicPublish("nw.src", "", null, bytes("not through"));
        ch.exchangeDeleteNoWait("nw.src", false);

        assertChannelError(404, () -> ch.exchangeDeclarePassive("nw.src"));
        assertThat(connection.createChannel().messageCount(queue)).isEqualTo(1);
    }

    @Test
    void anExchangeToExchangeBindingRoutesThroughBothAndUnbindingStopsIt() throws Exception {
        Channel ch = channel();
        ch.exchangeDeclare("orders", BuiltinExchangeType.TOPIC);
        ch.exchangeDeclare("eu-orders", BuiltinExchangeType.DIRECT);
        String queue = ch.queueDeclare().getQueue();
        ch.queueBind(queue, "eu-orders", "order.eu");

        ch.exchangeBind("eu-orders", "orders", "order.eu");
        ch.basicPublish("orders", "order.eu", null, bytes("1"));
        ch.basicPublish("orders", "order.us", null, bytes("2"));
        await().until(() -> ch.messageCount(queue) == 1);

        ch.exchangeUnbind("eu-orders", "orders", "order.eu");
        ch.basicPublish("orders", "order.eu", null, bytes("3"));

        ch.basicPublish("eu-orders", "order.eu", null, bytes("4"));
        await().until(() -> ch.messageCount(queue) == 2);
        assertThat(text(ch.basicGet(queue, true).getBody())).isEqualTo("1");
        assertThat(text(ch.basicGet(queue, true).getBody())).isEqualTo("4");
    }

    @Test
    void deleteIfUnusedRefusesAnExchangeWithBindingsAndDeletesItOnceUnbound() throws Exception {
        Channel ch = channel();
        ch.exchangeDeclare("bound", BuiltinExchangeType.DIRECT);
        String queue = ch.queueDeclare().getQueue();
        ch.queueBind(queue, "bound", "k");

        assertChannelError(406, () -> ch.exchangeDelete("bound", true));

        Channel again = channel();
        again.queueUnbind(queue, "bound", "k");
        again.exchangeDelete("bound", true);
        assertChannelError(404, () -> again.exchangeDeclarePassive("bound"));
    }

    @Test
    void aPassiveDeclareOfAMissingExchangeIsNotFound() throws Exception {
        Channel ch = channel();
        assertChannelError(404, () -> ch.exchangeDeclarePassive("missing"));
    }

    @Test
    void publishingToAMissingExchangeClosesTheChannelWithNotFound() throws Exception {
        Channel ch = channel();
        ch.basicPublish("missing", "k", null, bytes("x"));
        assertChannelError(404, () -> ch.queueDeclare());
    }

    @Test
    void anInequivalentRedeclareIsAPreconditionFailure() throws Exception {
        Channel ch = channel();
        ch.exchangeDeclare("typed", BuiltinExchangeType.DIRECT, true);

        assertChannelError(406, () -> ch.exchangeDeclare("typed", BuiltinExchangeType.FANOUT, true));
        assertChannelError(406, () -> channel().exchangeDeclare("typed", BuiltinExchangeType.DIRECT, false));
    }

    @Test
    void reservedNamesAndTheDefaultExchangeAreRefusedWithAccessRefused() throws Exception {
        assertChannelError(403, () -> channel().exchangeDeclare("amq.mine", BuiltinExchangeType.DIRECT));
        assertChannelError(403, () -> channel().exchangeDelete("amq.direct"));
        assertChannelError(403, () -> channel().exchangeBind("amq.direct", "", "k"));
    }

    @Test
    void publishingToAnInternalExchangeIsRefusedButItStillRoutesWhatIsBoundIntoIt() throws Exception {
        Channel ch = channel();
        ch.exchangeDeclare("internal", BuiltinExchangeType.FANOUT, false, false, true, Map.of());
        ch.exchangeDeclare("front", BuiltinExchangeType.FANOUT);
        ch.exchangeBind("internal", "front", "");
        String queue = ch.queueDeclare().getQueue();
        ch.queueBind(queue, "internal", "");

        ch.basicPublish("front", "", null, bytes("via front"));
        await().until(() -> ch.messageCount(queue) == 1);

        ch.basicPublish("internal", "", null, bytes("direct"));
        assertChannelError(403, () -> ch.queueDeclare());
    }
}
