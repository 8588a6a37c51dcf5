package io.hermod.amqp.server;

import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.hermod.broker.Broker;
import io.hermod.broker.BrokerConfig;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AmqpServerStartTest {

    @TempDir
    Path dir;

    private static long eventLoopThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().startsWith("multiThreadIoEventLoopGroup"))
                .count();
    }

    @Test
    void aPortInUseFailsTheStartWithTheAddressAndLeavesNoEventLoopRunning() throws Exception {
        try (Broker broker = Broker.open(BrokerConfig.of(dir));
                ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            long before = eventLoopThreads();

            assertThatThrownBy(() -> AmqpServer.start(broker, AmqpServerConfig.of("127.0.0.1", taken.getLocalPort())))
                    .isInstanceOf(UncheckedIOException.class)
                    .hasMessageContaining("127.0.0.1:" + taken.getLocalPort());

            await().atMost(Duration.ofSeconds(10)).until(() -> eventLoopThreads() <= before);
        }
    }
}
