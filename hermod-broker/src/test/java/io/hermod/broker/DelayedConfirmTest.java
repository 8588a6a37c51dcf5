package io.hermod.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hermod.storage.FaultyFileSystem;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a publisher confirm of a delayed message means: it is in the exchange's delay store, fsynced when persistent and
 * the exchange durable; when the store cannot take it, the publish fails (a negative confirm), never silence.
 */
@Timeout(30)
class DelayedConfirmTest {

    @TempDir
    Path dir;

    private final FaultyFileSystem disk = new FaultyFileSystem();
    private Broker broker;
    private Channel ch;

    @BeforeEach
    void start() {
        broker = Broker.open(BrokerConfig.of(dir), new ResourceAlarms(() -> 0, 0, () -> 0, 0), disk);
        ch = broker.connect("/", "app").openChannel();
        for (boolean durable : new boolean[] {true, false}) {
            ch.declareExchange(new ExchangeSpec(
                    durable ? "durable" : "transient",
                    "x-delayed-message",
                    durable,
                    false,
                    false,
                    Map.of("x-delayed-type", "fanout")));
        }
    }

    @AfterEach
    void tearDown() {
        broker.close();
    }

    private static Message delayed(String exchange, boolean persistent) {
        return new Message(
                exchange, "", Map.of("x-delay", 60_000), persistent, null, "m".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aPersistentMessageOfADurableExchangeIsConfirmedOnlyOnceFsynced() {
        assertThat(ch.publish(delayed("durable", true)).join().routed()).isTrue();
        disk.forceError = "Input/output error";

        assertThatThrownBy(() -> ch.publish(delayed("durable", true)).join())
                .cause()
                .isInstanceOfSatisfying(
                        BrokerException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.STORAGE_FAILED))
                .hasMessageContaining("Input/output error");
    }

    @Test
    void transientMessagesAndTransientExchangesAreConfirmedWithoutAnFsync() {
        disk.forceError = "Input/output error";

        assertThat(ch.publish(delayed("durable", false)).join().routed()).isTrue();
        assertThat(ch.publish(delayed("transient", true)).join().routed()).isTrue();
    }

    @Test
    void aFullDiskGivesADelayedPublishANegativeConfirm() {
        disk.writeBudget.set(0);

        assertThatThrownBy(() -> ch.publish(delayed("durable", true)).join())
                .cause()
                .isInstanceOfSatisfying(
                        BrokerException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.STORAGE_FAILED));
    }
}
