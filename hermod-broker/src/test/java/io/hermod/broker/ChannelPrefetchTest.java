package io.hermod.broker;

import static io.hermod.broker.BrokerFixture.eventually;
import static io.hermod.broker.BrokerFixture.publish;
import static org.assertj.core.api.Assertions.assertThat;

import io.hermod.broker.BrokerFixture.Got;
import io.hermod.broker.BrokerFixture.Received;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The prefetch a channel's consumers share ({@link Channel#channelPrefetch}) where two queues race for its last place:
 * the queue that says its consumer is ready and then finds the place taken by the other queue's delivery must not
 * exceed the limit. Its delivery waits, unnumbered, until an acknowledgement makes room; a cancel or a close gives it
 * back to its queue.
 */
@Timeout(30)
class ChannelPrefetchTest {

    @TempDir
    Path dir;

    private BrokerFixture fixture;
    private Channel setup;
    private Channel ch;
    private final Received fromA = new Received();
    private final Received fromB = new Received();

    @BeforeEach
    void setUp() {
        fixture = new BrokerFixture(dir);
        fixture.start();
        setup = fixture.channel();
        setup.declareQueue(QueueSpec.durable("a"));
        setup.declareQueue(QueueSpec.durable("b"));
        publish(setup, "", "a", "from a");
        publish(setup, "", "b", "from b");
        ch = fixture.channel();
        ch.channelPrefetch(1);
    }

    @AfterEach
    void tearDown() {
        fixture.close();
    }

    /**
     * Consumes "a" with a consumer whose first readiness check waits until "b" has delivered the channel's one
     * message: the queue of "a" has seen room, and delivers once the room is gone. "b" is consumed only once that
     * check has begun: were "b" first, the queue of "a" would find the channel full and never ask its consumer.
     */
    private void raceForTheLastPlace() throws Exception {
        CountDownLatch aChecking = new CountDownLatch(1);
        CountDownLatch bDelivered = new CountDownLatch(1);
        AtomicBoolean firstCheck = new AtomicBoolean(true);
        ch.consume("a", new ConsumeOptions("consumer-of-a", false, false, 0, 0, Map.of()), new DeliveryHandler() {
            @Override
            public boolean ready() {
                if (firstCheck.getAndSet(false)) {
                    aChecking.countDown();
                    try {
                        bDelivered.await(5, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                return true;
            }

            @Override
            public void onDelivery(Delivery d) {
                fromA.onDelivery(d);
            }
        });
        assertThat(aChecking.await(10, TimeUnit.SECONDS)).isTrue();
        ch.consume("b", ConsumeOptions.manualAck(0), d -> {
            fromB.onDelivery(d);
            bDelivered.countDown();
        });
        assertThat(fromB.awaitCount(1).get(0).deliveryTag()).isEqualTo(1);
        eventually().until(() -> ch.unackedCount() == 1 && firstCheck.get() == false);
        Thread.sleep(100); // the queue of "a" delivers after the check: into the wait
        assertThat(fromA.deliveries).isEmpty();
    }

    @Test
    void aDeliveryThatLostTheLastPlaceWaitsUnnumberedAndGoesOutWhenAnAckMakesRoom() throws Exception {
        raceForTheLastPlace();

        ch.ack(1, false);

        Got a = fromA.awaitCount(1).get(0);
        assertThat(a.body()).isEqualTo("from a");
        assertThat(a.deliveryTag()).isEqualTo(2);
        assertThat(a.redelivered()).isFalse();
        assertThat(ch.unackedCount()).isEqualTo(1);
    }

    @Test
    void aWaitingDeliveryOfACancelledConsumerGoesBackToItsQueueAndNeverOut() throws Exception {
        raceForTheLastPlace();

        assertThat(ch.cancel("consumer-of-a")).isTrue();

        fixture.awaitReady("a", 1);
        ch.ack(1, false);
        Thread.sleep(100);
        assertThat(fromA.deliveries).isEmpty();
        assertThat(ch.unackedCount()).isZero();
    }

    @Test
    void closingTheChannelGivesAWaitingDeliveryBackWithTheOutstandingOnes() throws Exception {
        raceForTheLastPlace();

        ch.close();

        fixture.awaitReady("a", 1);
        fixture.awaitReady("b", 1);
        assertThat(fromA.deliveries).isEmpty();
    }

    @Test
    void everyQueueGetsItsTurnAtTheSharedPlace() {
        // the Java client's QosTests.fairness: one place shared by three queues, acknowledged one at a time from
        // another thread; the queue that took the last place must not take every next one
        ExecutorService client = Executors.newSingleThreadExecutor();
        try {
            Channel fair = fixture.channel();
            fair.channelPrefetch(1);
            AtomicInteger delivered = new AtomicInteger();
            List<String> queues = List.of("f1", "f2", "f3");
            for (String q : queues) {
                setup.declareQueue(QueueSpec.durable(q));
                for (int i = 0; i < 100; i++) {
                    publish(setup, "", q, q + "-" + i);
                }
            }
            for (String q : queues) {
                fair.consume(q, new ConsumeOptions("", false, false, 0, 0, Map.of()), new DeliveryHandler() {
                    @Override
                    public void onDelivery(Delivery d) {
                        if (delivered.incrementAndGet() < 100) {
                            client.execute(() -> fair.ack(d.deliveryTag(), false));
                        }
                    }
                });
            }

            eventually().until(() -> delivered.get() >= 100);

            // counters lag their queue's run a little; a starved queue stays at 100 for good
            eventually().untilAsserted(() -> {
                for (String q : queues) {
                    assertThat(fixture.vhost().queueInfo(q).orElseThrow().messageCount())
                            .as("ready in %s", q)
                            .isLessThan(100);
                }
            });
            assertThat(fair.unackedCount())
                    .as("never more than the shared place")
                    .isEqualTo(1);
        } finally {
            client.shutdownNow();
        }
    }
}
