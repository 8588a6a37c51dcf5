package io.hermod.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import com.rabbitmq.client.GetResponse;
import com.rabbitmq.client.ShutdownSignalException;
import io.hermod.broker.definitions.PolicyDefinition;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * RabbitMQ 3.12's per-queue consumer timeout with its own client, on a broker whose server-wide timeout is the default
 * 30 minutes: the queue argument {@code x-consumer-timeout} and the policy key {@code consumer-timeout} close a channel
 * holding a delivery from that queue past them with 406 PRECONDITION_FAILED, and the message comes back.
 */
class QueueConsumerTimeoutTest extends ServerTestSupport {

    /** Starts a consumer that never acknowledges on a channel of its own; returns what closes that channel. */
    private AtomicReference<ShutdownSignalException> neverAcknowledging(String queue) throws Exception {
        Channel slow = channel();
        AtomicReference<ShutdownSignalException> closed = new AtomicReference<>();
        slow.addShutdownListener(closed::set);
        slow.basicConsume(queue, false, new DefaultConsumer(slow) {
            @Override
            public void handleDelivery(String tag, Envelope envelope, AMQP.BasicProperties p, byte[] body) {
                // never acknowledged
            }
        });
        return closed;
    }

    private void assertClosedWith406AndRedelivered(
            AtomicReference<ShutdownSignalException> closed, Channel other, String queue, String timeoutText)
            throws Exception {
        await().atMost(Duration.ofSeconds(10)).until(() -> closed.get() != null);
        assertThat(closed.get().isHardError()).as("a channel error").isFalse();
        AMQP.Channel.Close close = (AMQP.Channel.Close) closed.get().getReason();
        assertThat(close.getReplyCode()).isEqualTo(406);
        int channelNumber = ((Channel) closed.get().getReference()).getChannelNumber();
        assertThat(close.getReplyText())
                .contains(
                        "delivery acknowledgement on channel " + channelNumber + " timed out",
                        "Timeout value used: " + timeoutText);
        assertThat(connection.isOpen()).isTrue();
        await().until(() -> other.messageCount(queue) == 1);
        GetResponse again = other.basicGet(queue, true);
        assertThat(again.getEnvelope().isRedeliver()).isTrue();
    }

    @Test
    void aQueueArgumentTimesOutItsDeliveriesLongBeforeTheServersTimeout() throws Exception {
        Channel other = channel();
        other.queueDeclare("jobs", false, false, false, Map.of("x-consumer-timeout", 1000));
        other.basicPublish("", "jobs", null, bytes("work"));

        AtomicReference<ShutdownSignalException> closed = neverAcknowledging("jobs");

        assertClosedWith406AndRedelivered(closed, other, "jobs", "1000 ms");
    }

    @Test
    void aPolicyConsumerTimeoutTimesOutTheDeliveriesOfTheQueuesItMatches() throws Exception {
        broker.setPolicy(
                new PolicyDefinition("/", "quick", "^jobs\\.", "queues", 0, Map.of("consumer-timeout", 1500), false));
        Channel other = channel();
        other.queueDeclare("jobs.a", false, false, false, null);
        other.queueDeclare("reports", false, false, false, null);
        other.basicPublish("", "jobs.a", null, bytes("work"));
        other.basicPublish("", "reports", null, bytes("report"));

        AtomicReference<ShutdownSignalException> onJobs = neverAcknowledging("jobs.a");
        AtomicReference<ShutdownSignalException> onReports = neverAcknowledging("reports");

        assertClosedWith406AndRedelivered(onJobs, other, "jobs.a", "1500 ms");
        assertThat(onReports.get())
                .as("a queue the policy does not match keeps the server's 30 minutes")
                .isNull();
    }

    @Test
    void aBadArgumentFailsTheDeclareWith406AndRabbitMqsText() throws Exception {
        Channel ch = channel();

        String text = assertChannelError(
                406, () -> ch.queueDeclare("q", false, false, false, Map.of("x-consumer-timeout", -1)));

        assertThat(text)
                .isEqualTo("PRECONDITION_FAILED - invalid arg 'x-consumer-timeout' for queue 'q' in vhost '/': "
                        + "{value_negative,-1}");
    }
}
