package io.hermod.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.hermod.storage.FaultyFileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An embedded publisher that outruns the broker (here, a disk whose fsyncs are held) waits at its session's publish
 * credit, as an AMQP publisher waits on TCP, instead of piling its messages in the queues' inboxes; when the disk
 * catches up it goes on and nothing is lost.
 */
class EmbeddedPublishCreditTest {

    private final FaultyFileSystem disk = new FaultyFileSystem();
    private final CountDownLatch fsyncs = new CountDownLatch(1);
    private final ExecutorService thread = Executors.newSingleThreadExecutor();
    private Broker broker;
    private Channel channel;

    @TempDir
    Path dir;

    @BeforeEach
    void open() throws Exception {
        Path data = dir.resolve("data");
        Files.createDirectories(data);
        broker = BrokerOnFileSystem.open(BrokerConfig.of(data), disk);
        channel = broker.connect("/", "embedded").openChannel();
    }

    @AfterEach
    void close() {
        disk.forceGate = null;
        fsyncs.countDown();
        thread.shutdownNow();
        broker.close();
    }

    @Test
    void aPublisherThatOutrunsTheDiskWaitsAtItsCreditAndGoesOnWhenTheDiskCatchesUp() throws Exception {
        channel.declareQueue(QueueSpec.durable("slow-disk"));

        int messages = 2_000;
        List<CompletableFuture<PublishResult>> confirms = publishWhileTheDiskIsHeld(messages, "", "slow-disk", 1);

        assertThat(broker.connect("/", "observer")
                        .openChannel()
                        .declareQueuePassive("slow-disk")
                        .messageCount())
                .isEqualTo(messages);
        CompletableFuture.allOf(confirms.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
    }

    @Test
    void aPublisherToAWideFanoutWaitsAfterAsManyMessagesAsItsEntryCreditAllows() throws Exception {
        int queues = 200;
        channel.declareExchange(ExchangeSpec.durable("wide", "fanout"));
        for (int i = 0; i < queues; i++) {
            channel.declareQueue(QueueSpec.durable("wide-" + i));
            channel.bindQueue("wide-" + i, "wide", "", Map.of());
        }

        publishWhileTheDiskIsHeld(100, "wide", "", queues);

        assertThat(channel.declareQueuePassive("wide-199").messageCount()).isEqualTo(100);
    }

    /**
     * Publishes {@code messages} persistent messages, each reaching {@code queues} queues, from another thread while the
     * disk holds its fsyncs, checks that the thread waits once its credit is spent (the publishes returned stop at the
     * credit's bound), lets the disk go and waits until all are published; returns their confirms.
     */
    private List<CompletableFuture<PublishResult>> publishWhileTheDiskIsHeld(
            int messages, String exchange, String routingKey, int queues) throws Exception {
        List<CompletableFuture<PublishResult>> confirms = new ArrayList<>();
        AtomicInteger returned = new AtomicInteger();
        disk.forceGate = fsyncs;
        Future<?> publishing = thread.submit(() -> {
            for (int i = 0; i < messages; i++) {
                confirms.add(channel.publish(Message.of(exchange, routingKey, true, new byte[1024])));
                returned.incrementAndGet();
            }
            return null;
        });
        long bound = Math.min(Session.CREDIT_MESSAGES, (PublishCredit.ENTRIES + queues - 1) / queues);

        await().atMost(Duration.ofSeconds(5)).until(() -> returned.get() >= bound);
        await().during(Duration.ofSeconds(1))
                .atMost(Duration.ofSeconds(3))
                .until(() -> returned.get() == bound && !publishing.isDone());

        fsyncs.countDown();
        disk.forceGate = null;
        publishing.get(20, TimeUnit.SECONDS);
        assertThat(returned).hasValue(messages);
        return confirms;
    }
}
