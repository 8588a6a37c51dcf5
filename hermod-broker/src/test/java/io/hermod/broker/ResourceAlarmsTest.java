package io.hermod.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(30)
class ResourceAlarmsTest {

    @TempDir
    Path dir;

    private final AtomicLong memory = new AtomicLong(100);
    private final AtomicLong disk = new AtomicLong(10_000);
    private final ResourceAlarms alarms = new ResourceAlarms(memory::get, 1_000, disk::get, 1_000);
    private Broker broker;

    @AfterEach
    void tearDown() {
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void alarmsGoOnAndOffWithTheResourcesAndListenersHearEachChangeOnce() {
        List<Set<ResourceAlarms.Alarm>> heard = new CopyOnWriteArrayList<>();
        alarms.onChange(heard::add);

        alarms.check();
        memory.set(2_000);
        alarms.check();
        alarms.check();
        disk.set(10);
        alarms.check();
        memory.set(10);
        disk.set(10_000);
        alarms.check();

        assertThat(heard)
                .containsExactly(
                        Set.of(ResourceAlarms.Alarm.MEMORY),
                        Set.of(ResourceAlarms.Alarm.MEMORY, ResourceAlarms.Alarm.DISK),
                        Set.of());
        assertThat(alarms.publishingBlocked()).isFalse();
    }

    @Test
    void aMemoryAlarmThatOutlivesItsCauseIsClearedByReclaimingTheHeap() {
        // with publishers blocked nothing allocates, so "heap after the last collection" would stay high forever
        AtomicLong afterLastCollection = new AtomicLong(2_000);
        ResourceAlarms withReclaim = new ResourceAlarms(
                afterLastCollection::get, 1_000, () -> 10_000, 1_000, () -> afterLastCollection.set(100));

        withReclaim.check();
        assertThat(withReclaim.active()).containsExactly(ResourceAlarms.Alarm.MEMORY);
        withReclaim.check();
        assertThat(withReclaim.active()).isEmpty();
    }

    @Test
    void aZeroLimitTurnsAnAlarmOff() {
        ResourceAlarms off = new ResourceAlarms(() -> Long.MAX_VALUE, 0, () -> 0, 0);
        off.check();
        assertThat(off.active()).isEmpty();
    }

    @Test
    void aPublisherWaitsWhileAnAlarmIsOnAndGoesOnWhenItClears() throws Exception {
        broker = Broker.open(BrokerConfig.of(dir), alarms);
        Channel ch = broker.connect("/", "app").openChannel();
        ch.declareQueue(QueueSpec.durable("q"));
        memory.set(5_000);
        alarms.check();

        CompletableFuture<PublishResult> published =
                CompletableFuture.supplyAsync(() -> ch.publish(message()).join());
        await().atMost(Duration.ofSeconds(10)).until(() -> waitingThreads() > 0);
        assertThat(published).isNotDone();
        assertThat(broker.vhost("/").orElseThrow().queueInfo("q").orElseThrow().messageCount())
                .isZero();

        memory.set(100);
        alarms.check();

        assertThat(published.get().routed()).isTrue();
    }

    @Test
    void aSessionThatSignalsInsteadOfWaitingPublishesDuringAnAlarm() {
        broker = Broker.open(BrokerConfig.of(dir), alarms);
        Channel ch = broker.connect("/", "protocol", "guest", false).openChannel();
        ch.declareQueue(QueueSpec.durable("q"));
        disk.set(1);
        alarms.check();

        assertThat(ch.publish(message()).join().routed()).isTrue();
        assertThat(broker.alarms().active()).containsExactly(ResourceAlarms.Alarm.DISK);
    }

    @Test
    void aConsumerPublishingFromItsDeliveryHandlerIsNotBlockedByAnAlarm() {
        broker = Broker.open(BrokerConfig.of(dir), alarms);
        Channel ch = broker.connect("/", "app").openChannel();
        ch.declareQueue(QueueSpec.durable("in"));
        ch.declareQueue(QueueSpec.durable("out"));
        Channel forwarder = broker.connect("/", "forwarder").openChannel();
        forwarder.consume("in", ConsumeOptions.automaticAck(), d -> forwarder.publish(message("out")));
        ch.publish(message("in")).join();
        memory.set(5_000);
        alarms.check();

        // the delivery handler runs on a broker thread: it forwards even though publishing is blocked
        broker.connect("/", "protocol", "guest", false).openChannel().publish(message("in"));
        await().atMost(Duration.ofSeconds(10))
                .until(() -> broker.vhost("/")
                                .orElseThrow()
                                .queueInfo("out")
                                .orElseThrow()
                                .messageCount()
                        == 2);
    }

    private static long waitingThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getState() == Thread.State.WAITING || t.getState() == Thread.State.TIMED_WAITING)
                .filter(t -> java.util.Arrays.stream(t.getStackTrace())
                        .anyMatch(f -> f.getMethodName().equals("awaitOpen")))
                .count();
    }

    private static Message message() {
        return message("q");
    }

    private static Message message(String queue) {
        return Message.of("", queue, true, "m".getBytes(StandardCharsets.UTF_8));
    }
}
