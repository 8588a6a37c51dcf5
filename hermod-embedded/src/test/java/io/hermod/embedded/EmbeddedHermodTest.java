package io.hermod.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import io.hermod.broker.Channel;
import io.hermod.broker.Delivery;
import io.hermod.broker.Message;
import io.hermod.broker.QueueSpec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(30)
class EmbeddedHermodTest {

    @TempDir
    Path dir;

    @Test
    void aBrokerStartedOnADirectoryKeepsConfirmedMessagesAcrossAStop() {
        try (EmbeddedHermod hermod = EmbeddedHermod.builder().dataDirectory(dir).start()) {
            Channel channel = hermod.connect("test").openChannel();
            channel.declareQueue(QueueSpec.durable("orders"));
            channel.publish(Message.of("", "orders", true, "hello".getBytes(StandardCharsets.UTF_8)))
                    .join();
        }
        try (EmbeddedHermod hermod = EmbeddedHermod.builder().dataDirectory(dir).start()) {
            Delivery d =
                    hermod.connect("test").openChannel().get("orders", true).orElseThrow();
            assertThat(StandardCharsets.UTF_8.decode(d.body()).toString()).isEqualTo("hello");
        }
    }

    @Test
    void aBrokerWithoutADirectoryRemovesItsTemporaryDataOnClose() {
        Path data;
        try (EmbeddedHermod hermod = EmbeddedHermod.builder().threads(1).start()) {
            data = hermod.broker().config().dataDirectory();
            hermod.connect("test").openChannel().declareQueue(QueueSpec.durable("q"));
            assertThat(data).isDirectory();
        }
        assertThat(Files.exists(data)).isFalse();
    }
}
