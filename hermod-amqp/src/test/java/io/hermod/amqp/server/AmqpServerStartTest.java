package io.hermod.amqp.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.hermod.broker.Broker;
import io.hermod.broker.BrokerConfig;
import io.netty.channel.epoll.Epoll;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
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
    void onLinuxOnX86OrArmTheServerRunsOnNativeEpoll() throws Exception {
        String arch = System.getProperty("os.arch");
        assumeTrue(
                System.getProperty("os.name").equals("Linux")
                        && Set.of("amd64", "x86_64", "aarch64").contains(arch),
                "the native transport ships for Linux on x86-64 and ARM64 only");

        assertThat(Epoll.isAvailable())
                .as("epoll on %s: %s", arch, Epoll.unavailabilityCause())
                .isTrue();
        try (Broker broker = Broker.open(BrokerConfig.of(dir));
                AmqpServer server = AmqpServer.start(broker, AmqpServerConfig.of("127.0.0.1", 0))) {
            assertThat(server.transport()).isEqualTo("epoll");
        }
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
