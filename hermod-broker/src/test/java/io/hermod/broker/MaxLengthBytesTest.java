package io.hermod.broker;

import static io.hermod.broker.BrokerFixture.drain;
import static io.hermod.broker.BrokerFixture.message;
import static io.hermod.broker.BrokerFixture.publish;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hermod.broker.BrokerFixture.Received;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code x-max-length-bytes}: the body bytes of the ready messages, as RabbitMQ counts them; drop-head drops the oldest
 * while over, reject-publish refuses once the queue is at or over the limit. The count follows messages into
 * consumers and back, and is rebuilt from the log at start.
 */
@Timeout(30)
class MaxLengthBytesTest {

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

    private void declare(long maxBytes, String overflow) {
        ch.declareQueue(
                new QueueSpec("q", true, false, false, Map.of("x-max-length-bytes", maxBytes, "x-overflow", overflow)));
    }

    private void refused(Channel channel, String body) {
        assertThatThrownBy(() -> channel.publish(message("", "q", body)).join())
                .isInstanceOf(CompletionException.class)
                .cause()
                .isInstanceOfSatisfying(BrokerException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.RESOURCE_ERROR);
                    assertThat(e.getMessage()).contains("x-max-length-bytes");
                });
    }

    @Test
    void dropHeadKeepsTheNewestWithinTheBytes() {
        declare(10, "drop-head");
        for (String m : new String[] {"aaaa", "bbbb", "cccc", "dddd"}) {
            publish(ch, "", "q", m);
        }
        fixture.awaitReady("q", 2);
        assertThat(drain(ch, "q")).containsExactly("cccc", "dddd");
    }

    @Test
    void rejectPublishTakesMessagesWhileBelowTheLimit() {
        declare(10, "reject-publish");
        publish(ch, "", "q", "aaaa");
        publish(ch, "", "q", "bbbb");
        publish(ch, "", "q", "cccc"); // 8 bytes before it: below the limit, so it goes in (12 bytes)
        refused(ch, "dddd");
        assertThat(drain(ch, "q")).containsExactly("aaaa", "bbbb", "cccc");
        publish(ch, "", "q", "eeee"); // room again
    }

    @Test
    void deliveredMessagesDoNotCountAndRequeuedOnesCountAgain() {
        declare(8, "drop-head");
        Received received = new Received();
        Channel consumer = fixture.channel();
        consumer.consume("q", ConsumeOptions.manualAck(2), received);
        publish(ch, "", "q", "aaaa");
        publish(ch, "", "q", "bbbb");
        received.awaitCount(2);
        publish(ch, "", "q", "cccc");
        publish(ch, "", "q", "dddd"); // 8 ready bytes: a and b are with the consumer
        fixture.awaitReady("q", 2);

        consumer.close(); // a and b come back at the head: 16 bytes, so they go
        fixture.awaitReady("q", 2);
        assertThat(drain(ch, "q")).containsExactly("cccc", "dddd");
    }

    @Test
    void theCountIsRebuiltFromTheLogAtStart() {
        declare(8, "reject-publish");
        publish(ch, "", "q", "aaaa");
        publish(ch, "", "q", "bbbb");
        fixture.restart();
        Channel after = fixture.channel();
        refused(after, "cccc");
        assertThat(after.get("q", true).map(BrokerFixture::text)).contains("aaaa");
        publish(after, "", "q", "dddd");
        assertThat(drain(after, "q")).containsExactly("bbbb", "dddd");
    }

    @Test
    void aPurgeEmptiesTheCount() {
        declare(8, "reject-publish");
        publish(ch, "", "q", "aaaa");
        publish(ch, "", "q", "bbbb");
        refused(ch, "full");
        assertThat(ch.purgeQueue("q")).isEqualTo(2);
        publish(ch, "", "q", "cccc");
        assertThat(drain(ch, "q")).containsExactly("cccc");
    }
}
