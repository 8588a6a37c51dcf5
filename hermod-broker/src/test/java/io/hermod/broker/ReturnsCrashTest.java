package io.hermod.broker;

import static org.assertj.core.api.Assertions.assertThat;

import io.hermod.broker.definitions.TablePropertiesFormat;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Delivery counts, retry due times, {@code x-not-before} times and deduplication windows survive a {@code kill -9}: a child JVM returns a message to a counting queue
 * again and again and one to a queue with an hour's retry delay, says so once each return is taken, and is killed
 * with SIGKILL; the recovered broker still counts the returns and still holds the waiting message back.
 */
class ReturnsCrashTest {

    private static final int RETURNS = 7;

    @TempDir
    Path dir;

    /** The child: returns messages, printing a line once each return is taken by its queue; then waits to die. */
    public static void main(String[] args) throws Exception {
        Broker broker = Broker.open(BrokerConfig.of(Path.of(args[0])).withThreads(2));
        broker.usePropertiesFormat(TablePropertiesFormat.INSTANCE);
        Channel ch = broker.connect(Broker.DEFAULT_VHOST, "child").openChannel();
        ch.declareQueue(new QueueSpec("counted", true, false, false, Map.of("x-delivery-limit", 100)));
        ch.declareQueue(new QueueSpec("waiting", true, false, false, Map.of("x-retry-delay", 3_600_000)));
        for (String q : new String[] {"counted", "waiting"}) {
            ch.publish(new Message(
                            "", q, Map.of(), true, TablePropertiesFormat.properties(Map.of(), null), new byte[] {1}))
                    .join();
        }
        for (int i = 1; i <= RETURNS; i++) {
            Delivery d = ch.get("counted", false).orElseThrow();
            ch.nack(d.deliveryTag(), false, true);
            ch.declareQueuePassive("counted"); // after the return is taken
            System.out.println("returned " + i);
        }
        ch.nack(ch.get("waiting", false).orElseThrow().deliveryTag(), false, true);
        ch.declareQueuePassive("waiting");
        ch.declareQueue(QueueSpec.durable("scheduled"));
        Map<String, Object> notBefore = Map.of("x-not-before", System.currentTimeMillis() + 3_600_000);
        ch.publish(new Message(
                        "",
                        "scheduled",
                        notBefore,
                        true,
                        TablePropertiesFormat.properties(notBefore, null),
                        new byte[] {2}))
                .join(); // confirmed: stored, and its time with it
        ch.declareQueue(new QueueSpec("deduplicated", true, false, false, Map.of("x-message-deduplication", true)));
        ch.publish(new Message(
                        "", "deduplicated", Map.of(), true, TablePropertiesFormat.withMessageId("id-1"), new byte[] {3
                        }))
                .join(); // confirmed: its key is in the window's log
        System.out.println("READY");
        System.out.flush();
        Thread.sleep(60_000);
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void deliveryCountsAndRetryDueTimesSurviveSigkill() throws Exception {
        Path data = dir.resolve("data");
        KilledChild.runUntilReadyThenKill(getClass(), dir, data.toString());

        try (Broker broker = Broker.open(BrokerConfig.of(data).withThreads(2))) {
            broker.usePropertiesFormat(TablePropertiesFormat.INSTANCE);
            Channel ch = broker.connect(Broker.DEFAULT_VHOST, "test").openChannel();
            Delivery d = ch.get("counted", false).orElseThrow();
            assertThat(TablePropertiesFormat.INSTANCE.headers(d.properties()))
                    .containsEntry("x-delivery-count", (long) RETURNS);
            assertThat(d.redelivered()).isTrue();
            assertThat(ch.declareQueuePassive("waiting").messageCount())
                    .as("the message waiting out its hour still waits")
                    .isZero();
            assertThat(ch.get("waiting", false)).isEmpty();
            assertThat(ch.declareQueuePassive("scheduled").messageCount())
                    .as("the x-not-before message still waits for its hour")
                    .isZero();
            ch.publish(new Message(
                            "",
                            "deduplicated",
                            Map.of(),
                            true,
                            TablePropertiesFormat.withMessageId("id-1"),
                            new byte[] {4}))
                    .join();
            assertThat(ch.declareQueuePassive("deduplicated").messageCount())
                    .as("the deduplication window survived: the repeat was dropped")
                    .isEqualTo(1);
        }
    }
}
