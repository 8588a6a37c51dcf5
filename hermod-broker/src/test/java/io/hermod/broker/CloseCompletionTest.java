package io.hermod.broker;

import static org.assertj.core.api.Assertions.assertThat;

import io.hermod.broker.BrokerFixture.Received;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a completed {@link Channel#closeAsync} and {@link Session#closeAsync} promise, which a protocol waits for before
 * it confirms a close (AMQP's close-ok), as RabbitMQ answers a channel going down only once its queues took it: an
 * auto-delete queue that lost its last consumer and the session's exclusive queues are gone. Each case runs many
 * times: a completion that came early would show in some of them (a client's next declare would find the old queue,
 * then lose it).
 */
@Timeout(60)
class CloseCompletionTest {

    private static final int ROUNDS = 50;

    @TempDir
    Path dir;

    private BrokerFixture fixture;
    private Channel observer;

    @BeforeEach
    void setUp() {
        fixture = new BrokerFixture(dir);
        fixture.start();
        observer = fixture.channel();
    }

    @AfterEach
    void tearDown() {
        fixture.close();
    }

    private static QueueSpec autoDelete(String name) {
        return new QueueSpec(name, false, false, true, Map.of());
    }

    @Test
    void aChannelCloseCompletesOnceTheAutoDeleteQueueOfItsLastConsumerIsGone() throws Exception {
        for (int i = 0; i < ROUNDS; i++) {
            Channel ch = fixture.channel();
            ch.declareQueue(autoDelete("ad"));
            ch.consume("ad", ConsumeOptions.automaticAck(), new Received());

            ch.closeAsync().get(10, TimeUnit.SECONDS);

            assertThat(fixture.vhost().queueNames()).as("round %d", i).doesNotContain("ad");
        }
    }

    @Test
    void aSessionCloseCompletesOnceItsExclusiveAndAutoDeleteQueuesAreGone() throws Exception {
        for (int i = 0; i < ROUNDS; i++) {
            Session session = fixture.session("closing-" + i);
            Channel ch = session.openChannel();
            ch.declareQueue(new QueueSpec("mine", false, true, false, Map.of()));
            ch.declareQueue(autoDelete("ad"));
            ch.consume("ad", ConsumeOptions.automaticAck(), new Received());
            ch.consume("mine", ConsumeOptions.automaticAck(), new Received());

            session.closeAsync().get(10, TimeUnit.SECONDS);

            assertThat(fixture.vhost().queueNames()).as("round %d", i).doesNotContain("ad", "mine");
            assertThat(session.closeAsync()).as("idempotent").isDone();
        }
    }

    @Test
    void aSessionCloseAlsoWaitsForAChannelCloseAlreadyUnderWay() throws Exception {
        for (int i = 0; i < ROUNDS; i++) {
            Session session = fixture.session("closing-" + i);
            Channel ch = session.openChannel();
            ch.declareQueue(autoDelete("ad"));
            ch.consume("ad", ConsumeOptions.automaticAck(), new Received());

            ch.close(); // not waited for: as a protocol does that closes its channels, then the session
            session.closeAsync().get(10, TimeUnit.SECONDS);

            assertThat(fixture.vhost().queueNames()).as("round %d", i).doesNotContain("ad");
        }
    }

    /**
     * A queue busy for long gets to its deletion late (here every queue thread is held by consumers that do not
     * return): meanwhile the close that deletes it must not hold its caller (a protocol's event loop), nor the broker's
     * other definitions. Deletions used to wait for their queue under the definitions lock: 1,500 auto-delete queues of
     * a closing channel, deleted one after another, took 150 s under publishers, and every declare waited.
     */
    @Test
    void aQueueSlowToGetToItsDeletionHoldsUpNeitherTheCloseCallNorOtherDefinitions() throws Exception {
        Session session = fixture.session("closing");
        session.openChannel().declareQueue(new QueueSpec("mine", false, true, false, Map.of()));
        CountDownLatch release = new CountDownLatch(1);
        try {
            holdEveryQueueThread(release);

            CompletableFuture<Void> closed =
                    CompletableFuture.supplyAsync(session::closeAsync).get(5, TimeUnit.SECONDS);
            assertDefinitionsGoOn();
            assertThat(closed)
                    .as("no queue thread got to the exclusive queue yet")
                    .isNotDone();

            release.countDown();
            closed.get(10, TimeUnit.SECONDS);
            assertThat(fixture.vhost().queueNames()).doesNotContain("mine");
        } finally {
            release.countDown();
        }
    }

    /** The same for queue.delete: the queue decides on its own thread, and the definitions wait for nobody meanwhile. */
    @Test
    void anExplicitDeleteOfAQueueSlowToGetToItHoldsUpNoOtherDefinitions() throws Exception {
        Channel ch = fixture.channel();
        ch.declareQueue(new QueueSpec("victim", false, false, false, Map.of()));
        CountDownLatch release = new CountDownLatch(1);
        try {
            holdEveryQueueThread(release);

            CompletableFuture<Long> deleted =
                    CompletableFuture.supplyAsync(() -> ch.deleteQueue("victim", true, false));
            assertDefinitionsGoOn();
            assertThat(deleted).as("no queue thread got to the delete yet").isNotDone();

            release.countDown();
            assertThat(deleted.get(10, TimeUnit.SECONDS)).isZero();
            assertThat(fixture.vhost().queueNames()).doesNotContain("victim");
        } finally {
            release.countDown();
        }
    }

    /** Once a queue has decided to go for a delete, no consumer attaches to it before it is gone. */
    @Test
    void aQueueThatDecidedToGoTakesNoNewConsumer() throws Exception {
        Session session = fixture.session("deleting");
        Channel ch = session.openChannel();
        ch.declareQueue(new QueueSpec("going", false, false, false, Map.of()));

        fixture.vhost().queue("going", session).prepareDelete(true, false).get(10, TimeUnit.SECONDS);

        BrokerFixture.assertFails(
                ErrorCode.NOT_FOUND, () -> ch.consume("going", ConsumeOptions.automaticAck(), new Received()));
    }

    /**
     * Holds both of the fixture broker's queue threads in consumers that do not return until {@code release}, each on
     * a channel of its own (a delivery holds its channel).
     */
    private void holdEveryQueueThread(CountDownLatch release) throws InterruptedException {
        CountDownLatch inHandlers = new CountDownLatch(2);
        for (String busy : List.of("busy-1", "busy-2")) {
            Channel holder = fixture.channel();
            holder.declareQueue(new QueueSpec(busy, false, false, false, Map.of()));
            holder.consume(busy, ConsumeOptions.automaticAck(), delivery -> {
                inHandlers.countDown();
                awaitUninterruptibly(release);
            });
            holder.publish(Message.of("", busy, false, new byte[1]));
        }
        assertThat(inHandlers.await(10, TimeUnit.SECONDS)).isTrue();
    }

    /** A definition that needs no queue thread goes through: it only needs the definitions, which deletions held. */
    private void assertDefinitionsGoOn() throws Exception {
        String name = "other-" + System.nanoTime();
        CompletableFuture.runAsync(() -> observer.declareExchange(ExchangeSpec.durable(name, "direct")))
                .get(5, TimeUnit.SECONDS);
        assertThat(fixture.vhost().exchangeNames()).contains(name);
    }

    private static void awaitUninterruptibly(CountDownLatch latch) {
        boolean interrupted = false;
        while (true) {
            try {
                latch.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void aCloseOfAChannelWithoutConsumersCompletesAtOnceAndEveryCallReturnsTheSameFuture() {
        Channel ch = fixture.channel();

        assertThat(ch.closeAsync()).isDone().isSameAs(ch.closeAsync());
        assertThat(ch.isClosed()).isTrue();
    }
}
