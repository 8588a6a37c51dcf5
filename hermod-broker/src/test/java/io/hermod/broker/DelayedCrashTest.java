package io.hermod.broker;

import static io.hermod.broker.BrokerFixture.drain;
import static org.assertj.core.api.Assertions.assertThat;

import io.hermod.broker.definitions.TablePropertiesFormat;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Delayed messages survive a {@code kill -9}: a child JVM stores confirmed persistent messages in a durable delayed
 * exchange — some routed before the kill, some due seconds later, some due in an hour — and is killed with SIGKILL.
 * The recovered broker routes the ones due soon when they fall due, keeps the hour-long ones pending, and does not
 * route again those released before the kill.
 */
class DelayedCrashTest {

    private static final int EACH = 20;

    @TempDir
    Path dir;

    /** The child: stores delayed messages with confirms, waits for the first group to go out, then waits to die. */
    public static void main(String[] args) throws Exception {
        Broker broker = Broker.open(BrokerConfig.of(Path.of(args[0])).withThreads(2));
        broker.usePropertiesFormat(TablePropertiesFormat.INSTANCE);
        Channel ch = broker.connect(Broker.DEFAULT_VHOST, "child").openChannel();
        ch.declareExchange(
                new ExchangeSpec("dx", "x-delayed-message", true, false, false, Map.of("x-delayed-type", "direct")));
        ch.declareQueue(QueueSpec.durable("q"));
        ch.bindQueue("q", "dx", "k", Map.of());
        publish(ch, "before", 50);
        publish(ch, "soon", 4_000);
        publish(ch, "later", 3_600_000);
        VirtualHost vhost = broker.vhost(Broker.DEFAULT_VHOST).orElseThrow();
        // the count drops once the released ones are marked so, which is written behind them
        Awaitility.await()
                .atMost(Duration.ofSeconds(20))
                .until(() -> vhost.delayedMessageCount("dx").orElseThrow() == 2 * EACH
                        && vhost.queueInfo("q").orElseThrow().messageCount() == EACH);
        System.out.println("READY");
        System.out.flush();
        Thread.sleep(60_000);
    }

    private static void publish(Channel ch, String body, int delay) {
        for (int i = 0; i < EACH; i++) {
            Map<String, Object> headers = Map.of("x-delay", delay);
            ch.publish(new Message(
                            "dx",
                            "k",
                            headers,
                            true,
                            TablePropertiesFormat.properties(headers, null),
                            (body + i).getBytes(StandardCharsets.UTF_8)))
                    .join(); // confirmed: in the store, on disk
        }
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void delayedMessagesSurviveSigkillAndGoOutWhenDue() throws Exception {
        Path data = dir.resolve("data");
        KilledChild.runUntilReadyThenKill(getClass(), dir, data.toString());

        try (Broker broker = Broker.open(BrokerConfig.of(data).withThreads(2))) {
            VirtualHost vhost = broker.vhost(Broker.DEFAULT_VHOST).orElseThrow();
            Awaitility.await()
                    .atMost(Duration.ofSeconds(30))
                    .until(() -> vhost.queueInfo("q").orElseThrow().messageCount() == 2L * EACH);
            // the count drops once the routed ones are marked released, just after their queue took them
            Awaitility.await()
                    .atMost(Duration.ofSeconds(10))
                    .until(() -> vhost.delayedMessageCount("dx").orElseThrow() == EACH);
            List<String> got =
                    drain(broker.connect(Broker.DEFAULT_VHOST, "test").openChannel(), "q");
            assertThat(got).hasSize(2 * EACH).doesNotHaveDuplicates();
            assertThat(got).filteredOn(b -> b.startsWith("before")).hasSize(EACH);
            assertThat(got).filteredOn(b -> b.startsWith("soon")).hasSize(EACH);
        }
    }
}
