package io.hermod.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import com.rabbitmq.client.GetResponse;
import com.rabbitmq.client.ShutdownSignalException;
import io.hermod.broker.Broker;
import io.hermod.broker.BrokerConfig;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * RabbitMQ's consumer timeout with its own client: a delivery left unacknowledged past it closes the channel with 406
 * PRECONDITION_FAILED (the connection and its other channels live on) and the message is delivered again.
 */
class ConsumerTimeoutTest extends ServerTestSupport {

    @Override
    Broker openBroker(BrokerConfig config) throws Exception {
        return Broker.open(config.withConsumerTimeout(Duration.ofSeconds(1)));
    }

    @Test
    void anUnacknowledgedDeliveryPastTheTimeoutClosesTheChannelWith406AndComesBack() throws Exception {
        Channel other = channel();
        other.queueDeclare("slow", false, false, false, null);
        other.basicPublish("", "slow", null, bytes("work"));
        Channel slow = channel();
        AtomicReference<ShutdownSignalException> closed = new AtomicReference<>();
        slow.addShutdownListener(closed::set);
        slow.basicConsume("slow", false, new DefaultConsumer(slow) {
            @Override
            public void handleDelivery(String tag, Envelope envelope, AMQP.BasicProperties p, byte[] body) {
                // never acknowledged
            }
        });

        await().atMost(Duration.ofSeconds(10)).until(() -> closed.get() != null);

        ShutdownSignalException signal = closed.get();
        assertThat(signal.isHardError()).as("a channel error").isFalse();
        AMQP.Channel.Close close = (AMQP.Channel.Close) signal.getReason();
        assertThat(close.getReplyCode()).isEqualTo(406);
        assertThat(close.getReplyText())
                .isEqualTo("PRECONDITION_FAILED - delivery acknowledgement on channel " + slow.getChannelNumber()
                        + " timed out. Timeout value used: 1000 ms. This timeout value can be configured, see"
                        + " consumers doc guide to learn more");
        assertThat(connection.isOpen()).isTrue();
        await().until(() -> other.messageCount("slow") == 1);
        GetResponse again = other.basicGet("slow", true);
        assertThat(text(again.getBody())).isEqualTo("work");
        assertThat(again.getEnvelope().isRedeliver()).isTrue();
    }

    @Test
    void aQueuesLongerTimeoutKeepsItsConsumersChannelOpenPastTheServers() throws Exception {
        Channel other = channel();
        other.queueDeclare("patient", false, false, false, Map.of("x-consumer-timeout", 600_000));
        other.queueDeclare("plain", false, false, false, null);
        other.basicPublish("", "patient", null, bytes("long work"));
        other.basicPublish("", "plain", null, bytes("work"));
        Channel onPatient = channel();
        Channel onPlain = channel();
        AtomicReference<ShutdownSignalException> plainClosed = new AtomicReference<>();
        onPlain.addShutdownListener(plainClosed::set);
        for (Channel ch : new Channel[] {onPatient, onPlain}) {
            ch.basicConsume(ch == onPatient ? "patient" : "plain", false, new DefaultConsumer(ch) {
                @Override
                public void handleDelivery(String tag, Envelope envelope, AMQP.BasicProperties p, byte[] body) {
                    // never acknowledged
                }
            });
        }

        await().atMost(Duration.ofSeconds(10)).until(() -> plainClosed.get() != null); // the server's 1 s passed

        await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(5)).until(onPatient::isOpen);
        assertThat(other.messageCount("patient")).isZero();
    }
}
