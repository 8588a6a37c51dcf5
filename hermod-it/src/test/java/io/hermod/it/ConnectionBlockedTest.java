package io.hermod.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.BlockedListener;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import io.hermod.amqp.codec.BasicProperties;
import io.hermod.amqp.codec.BasicPublish;
import io.hermod.amqp.codec.FrameEncoder;
import io.hermod.broker.Broker;
import io.hermod.broker.BrokerConfig;
import io.hermod.broker.ResourceAlarms;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * RabbitMQ's connection.blocked / connection.unblocked: while a resource alarm is on, publishing connections are told
 * and no longer read from; consumers keep being served; when it clears, the held publishes go through.
 */
class ConnectionBlockedTest extends ServerTestSupport {

    private static final long MEMORY_LIMIT = 1_000;
    private static final long DISK_FREE_LIMIT = 1_000_000;

    private final AtomicLong memoryUsed = new AtomicLong();
    private final AtomicLong diskFree = new AtomicLong(Long.MAX_VALUE);

    @Override
    Broker openBroker(BrokerConfig config) throws Exception {
        java.nio.file.Files.createDirectories(config.dataDirectory());
        return Broker.open(config, new ResourceAlarms(memoryUsed::get, MEMORY_LIMIT, diskFree::get, DISK_FREE_LIMIT));
    }

    private void memory(long used) {
        memoryUsed.set(used);
        broker.alarms().check();
    }

    private void disk(long free) {
        diskFree.set(free);
        broker.alarms().check();
    }

    @Test
    void aMemoryAlarmBlocksPublishersUntilItClears() throws Exception {
        blocksPublishersUntilItClears(() -> memory(MEMORY_LIMIT + 1), () -> memory(0), "low on memory");
    }

    @Test
    void aDiskAlarmBlocksPublishersUntilItClears() throws Exception {
        blocksPublishersUntilItClears(() -> disk(DISK_FREE_LIMIT - 1), () -> disk(Long.MAX_VALUE), "low on disk");
    }

    private void blocksPublishersUntilItClears(Runnable raise, Runnable clear, String reason) throws Exception {
        List<String> events = new CopyOnWriteArrayList<>();
        connection.addBlockedListener(new BlockedListener() {
            @Override
            public void handleBlocked(String reason) {
                events.add("blocked: " + reason);
            }

            @Override
            public void handleUnblocked() {
                events.add("unblocked");
            }
        });
        Channel publisher = channel();
        String queue = publisher.queueDeclare("held", false, false, false, null).getQueue();
        Channel observer = newConnection().createChannel();

        raise.run();
        await().until(() -> events.equals(List.of("blocked: " + reason)));
        publisher.basicPublish("", queue, null, bytes("first")); // the server stops reading after this publish
        await().during(Duration.ofMillis(300)).until(() -> observer.messageCount(queue) <= 1);
        publisher.basicPublish("", queue, null, bytes("second"));
        await().during(Duration.ofMillis(300)).until(() -> observer.messageCount(queue) <= 1);

        clear.run();

        await().until(() -> events.equals(List.of("blocked: " + reason, "unblocked")));
        await().until(() -> observer.messageCount(queue) == 2);
        assertThat(publisher.isOpen()).isTrue();
    }

    @Test
    void aBlockedConnectionWithAOneSecondHeartbeatOutlivesAnAlarmOfManyIntervalsAndPublishesAfterIt() throws Exception {
        ConnectionFactory f = factory();
        f.setRequestedHeartbeat(1);
        Connection beating = newConnection(f);
        Channel publisher = beating.createChannel();
        String queue =
                publisher.queueDeclare("long-alarm", false, false, false, null).getQueue();
        Channel observer = newConnection().createChannel();

        memory(MEMORY_LIMIT + 1);
        publisher.basicPublish("", queue, null, bytes("first")); // the server stops reading, heartbeats included
        // twice the two silent intervals after which an unblocked peer would be dead
        await().during(Duration.ofSeconds(4)).atMost(Duration.ofSeconds(6)).until(beating::isOpen);
        assertThat(server.connectionCount()).isEqualTo(3);

        memory(0);

        publisher.basicPublish("", queue, null, bytes("second"));
        await().until(() -> observer.messageCount(queue) == 2);
        await().during(Duration.ofMillis(2_500)).atMost(Duration.ofSeconds(4)).until(beating::isOpen);
        publisher.basicPublish("", queue, null, bytes("third"));
        await().until(() -> observer.messageCount(queue) == 3);
    }

    @Test
    void aSilentPeerIsStillDetectedOnceItsBlockedConnectionIsReadAgainWithTwoFullIntervals() throws Exception {
        try (RawAmqpPeer silent = new RawAmqpPeer(server.port()).handshake(1)) {
            memory(MEMORY_LIMIT + 1);
            silent.write(out -> {
                FrameEncoder.writeMethod(out, 1, new BasicPublish(0, "", "nowhere", false, false));
                ByteBuf props = Unpooled.buffer();
                BasicProperties.EMPTY.encode(props);
                FrameEncoder.writeContent(out, 1, 60, props, Unpooled.wrappedBuffer(bytes("x")), 0);
                props.release();
            });
            // blocked and not read from: silence proves nothing (the server's heartbeats keep coming meanwhile)
            long blockedUntil = System.nanoTime() + Duration.ofMillis(3_500).toNanos();
            while (System.nanoTime() < blockedUntil) {
                assertThat(silent.closedByServer(100)).isFalse();
            }

            memory(0);
            long resumed = System.nanoTime();

            await().atMost(Duration.ofSeconds(4)).until(() -> silent.closedByServer(100));
            assertThat(Duration.ofNanos(System.nanoTime() - resumed)).isGreaterThan(Duration.ofMillis(1_500));
        }
    }

    @Test
    void consumersAreStillServedDuringAnAlarmEvenOnANewConnection() throws Exception {
        Channel setup = channel();
        setup.queueDeclare("drain", false, false, false, null);
        setup.basicPublish("", "drain", null, bytes("ready"));
        await().until(() -> setup.messageCount("drain") == 1);

        memory(MEMORY_LIMIT + 1);
        Channel consumer = newConnection().createChannel();
        List<String> received = new CopyOnWriteArrayList<>();
        consumer.basicConsume(
                "drain",
                false,
                (t, d) -> {
                    received.add(text(d.getBody()));
                    consumer.basicAck(d.getEnvelope().getDeliveryTag(), false);
                },
                t -> {});

        await().until(() -> received.equals(List.of("ready")));
        // the publishing connection itself is no longer read from: ask on the consumer's
        await().until(() -> consumer.messageCount("drain") == 0);
        memory(0);
    }
}
