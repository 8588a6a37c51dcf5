package io.hermod.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.MessageProperties;
import io.hermod.broker.Broker;
import io.hermod.broker.BrokerConfig;
import io.hermod.broker.BrokerOnFileSystem;
import io.hermod.storage.FaultyFileSystem;
import java.nio.file.Files;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Publisher flow control: a publisher that outruns the broker (here, a disk whose fsyncs are held) is paused at its
 * connection's publish credit — the server stops reading and TCP pushes back — instead of piling its messages on the
 * heap; when the broker catches up, reading resumes and nothing is lost.
 */
class PublisherFlowControlTest extends ServerTestSupport {

    private static final int MESSAGES = 40_000;
    private static final int CREDIT = 256;
    /** Queue entries a connection may have in flight: a message counts once per queue it reached. */
    private static final int ENTRY_CREDIT = 4096;

    private final FaultyFileSystem disk = new FaultyFileSystem();

    @Override
    Broker openBroker(BrokerConfig config) throws Exception {
        Files.createDirectories(config.dataDirectory());
        return BrokerOnFileSystem.open(config, disk);
    }

    /** What a test checks while the disk holds its fsyncs and the publisher is paused at its credit. */
    @FunctionalInterface
    interface WhileHeld {
        void check(Channel observer, Future<?> publishing) throws Exception;
    }

    /**
     * Publishes {@code messages} persistent messages to the durable queue {@code queue} from another thread while the
     * disk holds its fsyncs, runs {@code whileHeld} once the queue has some of them, then lets the disk go and waits
     * until every message is there and the publisher's channel still open.
     */
    private void publishWhileTheDiskIsHeld(Channel publisher, String queue, int messages, WhileHeld whileHeld)
            throws Exception {
        publisher.queueDeclare(queue, true, false, false, null);
        Channel observer = newConnection().createChannel();
        byte[] body = new byte[1024];
        CountDownLatch fsyncs = new CountDownLatch(1);
        ExecutorService thread = Executors.newSingleThreadExecutor();
        disk.forceGate = fsyncs;
        try {
            Future<?> publishing = thread.submit(() -> {
                AMQP.BasicProperties persistent = MessageProperties.PERSISTENT_BASIC;
                for (int i = 0; i < messages; i++) {
                    publisher.basicPublish("", queue, persistent, body);
                }
                return null;
            });
            // the queue appends what the server reads; the fsync that would let the broker take it is held
            await().until(() -> observer.messageCount(queue) >= CREDIT / 2);

            whileHeld.check(observer, publishing);

            fsyncs.countDown();
            disk.forceGate = null;
            publishing.get(20, TimeUnit.SECONDS);
            await().until(() -> observer.messageCount(queue) == messages);
            assertThat(publisher.isOpen()).isTrue();
        } finally {
            disk.forceGate = null;
            fsyncs.countDown();
            thread.shutdownNow();
        }
    }

    @Test
    void aPublisherThatOutrunsTheDiskIsPausedAtItsCreditAndResumesWhenTheDiskCatchesUp() throws Exception {
        publishWhileTheDiskIsHeld(channel(), "slow-disk", MESSAGES, (observer, publishing) -> {
            await().during(Duration.ofSeconds(2))
                    .atMost(Duration.ofSeconds(5))
                    // not one message more: frames read in the same socket read as the last one wait unprocessed
                    .until(() -> observer.messageCount("slow-disk") <= CREDIT);
            assertThat(publishing).as("the publisher is held back by TCP").isNotDone();
        });
    }

    @Test
    void aPublisherPausedAtItsCreditForManyHeartbeatIntervalsKeepsItsConnection() throws Exception {
        ConnectionFactory f = factory();
        f.setRequestedHeartbeat(1);
        Connection beating = newConnection(f);

        publishWhileTheDiskIsHeld(
                beating.createChannel(), "slow-disk-beating", MESSAGES / 4, (observer, publishing) -> {
                    // not read from, heartbeats included, for twice the two silent intervals that would end the
                    // connection
                    await().during(Duration.ofSeconds(4))
                            .atMost(Duration.ofSeconds(6))
                            .until(beating::isOpen);
                    assertThat(publishing)
                            .as("the publisher is held back by TCP")
                            .isNotDone();
                });
    }

    /**
     * A message fanned out to many queues waits in every one's inbox, so it costs the publisher's credit once per queue
     * (Bug19219 of the RabbitMQ Java client's suite, 100 publishers of empty messages to a fanout over 1,500 queues,
     * ran Hermod out of heap before).
     */
    @Test
    void aPublisherToAWideFanoutIsHeldAfterAsManyMessagesAsItsEntryCreditAllows() throws Exception {
        int queues = 200;
        Channel setup = channel();
        setup.exchangeDeclare("wide", "fanout");
        for (int i = 0; i < queues; i++) {
            setup.queueDeclare("wide-" + i, true, false, false, null);
            setup.queueBind("wide-" + i, "wide", "");
        }
        Channel publisher = newConnection().createChannel();
        CountDownLatch fsyncs = new CountDownLatch(1);
        ExecutorService thread = Executors.newSingleThreadExecutor();
        disk.forceGate = fsyncs;
        int messages = 500;
        try {
            Future<?> publishing = thread.submit(() -> {
                for (int i = 0; i < messages; i++) {
                    publisher.basicPublish("wide", "", MessageProperties.PERSISTENT_BASIC, new byte[0]);
                }
                return null;
            });
            await().until(() -> setup.messageCount("wide-0") >= 1);

            await().during(Duration.ofSeconds(2))
                    .atMost(Duration.ofSeconds(5))
                    // the publish that reaches the bound is the last one taken in
                    .until(() -> setup.messageCount("wide-0") <= (ENTRY_CREDIT + queues - 1) / queues);
            // (the 500 small publishes fit in the sockets' buffers: the client may be done writing them)

            fsyncs.countDown();
            disk.forceGate = null;
            publishing.get(20, TimeUnit.SECONDS);
            await().until(() -> setup.messageCount("wide-" + (queues - 1)) == messages);
        } finally {
            disk.forceGate = null;
            fsyncs.countDown();
            thread.shutdownNow();
        }
    }

    @Test
    void transientPublishesToAQueueThatKeepsUpAreNeverHeldForGood() throws Exception {
        Channel publisher = channel();
        publisher.queueDeclare("fast", false, false, false, null);
        byte[] body = new byte[4096];
        int messages = 10_000; // 40 MB: pauses many times over
        for (int i = 0; i < messages; i++) {
            publisher.basicPublish("", "fast", null, body);
        }
        publisher.confirmSelect(); // a round trip behind every publish: the connection reads again after each pause
        publisher.basicPublish("", "fast", null, body);
        assertThat(publisher.waitForConfirms(10_000)).isTrue();
        await().until(() -> publisher.messageCount("fast") == messages + 1);
    }
}
