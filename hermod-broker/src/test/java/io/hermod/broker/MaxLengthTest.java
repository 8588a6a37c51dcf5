package io.hermod.broker;

import static io.hermod.broker.BrokerFixture.drain;
import static io.hermod.broker.BrokerFixture.message;
import static io.hermod.broker.BrokerFixture.publish;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hermod.broker.BrokerFixture.Received;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code x-max-length} with RabbitMQ's overflow behaviours: ready messages (not the unacknowledged) are counted; with
 * drop-head the oldest go, with reject-publish the publisher of a message that does not fit is refused (a negative
 * confirm).
 */
@Timeout(30)
class MaxLengthTest {

    @TempDir
    Path dir;

    private BrokerFixture fixture;
    private Channel ch;

    @BeforeEach
    void setUp() {
        fixture = new BrokerFixture(dir);
        fixture.start();
        ch = fixture.channel();
    }

    @AfterEach
    void tearDown() {
        fixture.close();
    }

    private void declare(String queue, int maxLength, String overflow) {
        Map<String, Object> args = overflow == null
                ? Map.of("x-max-length", maxLength)
                : Map.of("x-max-length", maxLength, "x-overflow", overflow);
        ch.declareQueue(new QueueSpec(queue, true, false, false, args));
    }

    @Test
    void dropHeadKeepsTheNewestMessagesInOrder() {
        declare("q", 3, null);
        for (int i = 1; i <= 5; i++) {
            publish(ch, "", "q", "m" + i); // each confirmed: drop-head never refuses
        }
        fixture.awaitReady("q", 3);
        assertThat(drain(ch, "q")).containsExactly("m3", "m4", "m5");
    }

    @Test
    void aLimitOfZeroKeepsNothing() {
        declare("q", 0, "drop-head");
        publish(ch, "", "q", "m");
        fixture.awaitReady("q", 0);
        assertThat(ch.get("q", true)).isEmpty();
    }

    @Test
    void unacknowledgedMessagesDoNotCountButRequeuedOnesDoAndTheOldestGo() {
        declare("q", 2, null);
        Received received = new Received();
        ch.consume("q", ConsumeOptions.manualAck(2), received);
        publish(ch, "", "q", "m1");
        publish(ch, "", "q", "m2");
        received.awaitCount(2);
        Channel other = fixture.channel();
        publish(other, "", "q", "m3");
        publish(other, "", "q", "m4");
        fixture.awaitReady("q", 2); // m1, m2 unacknowledged: the limit holds the two new ones

        ch.close(); // m1 and m2 come back ahead of m3 and m4: the head, so they go
        fixture.awaitReady("q", 2);
        assertThat(drain(other, "q")).containsExactly("m3", "m4");
    }

    @Test
    void rejectPublishRefusesWhatDoesNotFitAndTakesMessagesAgainOnceThereIsRoom() {
        declare("q", 2, "reject-publish");
        List<CompletableFuture<PublishResult>> confirms = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            confirms.add(ch.publish(message("", "q", "m" + i)));
        }
        confirms.get(0).join();
        confirms.get(1).join();
        assertThatThrownBy(() -> confirms.get(2).join())
                .isInstanceOf(CompletionException.class)
                .cause()
                .isInstanceOfSatisfying(BrokerException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.RESOURCE_ERROR);
                    assertThat(e.getMessage()).contains("x-max-length 2", "reject-publish");
                });

        assertThat(ch.get("q", true).map(BrokerFixture::text)).contains("m1");
        publish(ch, "", "q", "m4");
        assertThat(drain(ch, "q")).containsExactly("m2", "m4");
    }

    @Test
    void theLimitHoldsAfterARestart() {
        declare("q", 2, "reject-publish");
        publish(ch, "", "q", "m1");
        publish(ch, "", "q", "m2");
        fixture.restart();
        Channel after = fixture.channel();
        assertThatThrownBy(() -> after.publish(message("", "q", "m3")).join())
                .hasCauseInstanceOf(BrokerException.class);
        assertThat(drain(after, "q")).containsExactly("m1", "m2");
    }
}
