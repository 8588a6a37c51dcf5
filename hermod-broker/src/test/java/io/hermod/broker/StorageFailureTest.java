package io.hermod.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hermod.storage.FaultyFileSystem;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A publisher confirm is never silence: when storage fails, the publish fails (a negative confirm). */
@Timeout(30)
class StorageFailureTest {

    @TempDir
    Path dir;

    private final FaultyFileSystem disk = new FaultyFileSystem();
    private Broker broker;
    private Channel ch;

    private void start() {
        broker = Broker.open(BrokerConfig.of(dir), new ResourceAlarms(() -> 0, 0, () -> 0, 0), disk);
        ch = broker.connect("/", "app").openChannel();
        ch.declareQueue(QueueSpec.durable("q"));
        assertThat(ch.publish(message(true)).join().routed()).isTrue();
    }

    @AfterEach
    void tearDown() {
        if (broker != null) {
            broker.close();
        }
    }

    private static Message message(boolean persistent) {
        return Message.of("", "q", persistent, "m".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aFullDiskGivesEveryLaterPublishANegativeConfirmWithStorageFailed() {
        start();
        disk.writeBudget.set(0);

        assertThatThrownBy(() -> ch.publish(message(true)).join())
                .isInstanceOf(CompletionException.class)
                .cause()
                .isInstanceOfSatisfying(
                        BrokerException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.STORAGE_FAILED))
                .hasMessageContaining("No space left");
        // the failure sticks: a later publish is refused too rather than half-stored
        assertThatThrownBy(() -> ch.publish(message(false)).join())
                .cause()
                .isInstanceOfSatisfying(
                        BrokerException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.STORAGE_FAILED));
    }

    @Test
    void aDeleteWhoseDefinitionsCannotBeWrittenLeavesTheQueueTakingConsumers() {
        start();
        disk.writeBudget.set(0);

        assertThatThrownBy(() -> ch.deleteQueue("q", false, false))
                .isInstanceOfSatisfying(
                        BrokerException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.STORAGE_FAILED));

        // the definitions still hold the queue, so it must not stay "decided to go" (NOT_FOUND to consumers)
        disk.writeBudget.set(Long.MAX_VALUE);
        assertThat(ch.consume("q", ConsumeOptions.automaticAck(), d -> {})).isNotBlank();
    }

    @Test
    void aFailedFsyncGivesAPersistentPublishANegativeConfirm() {
        start();
        disk.forceError = "Input/output error";

        assertThatThrownBy(() -> ch.publish(message(true)).join())
                .cause()
                .isInstanceOfSatisfying(
                        BrokerException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.STORAGE_FAILED))
                .hasMessageContaining("Input/output error");
    }
}
