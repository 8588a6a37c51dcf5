package io.hermod.broker;

import io.hermod.broker.definitions.TablePropertiesFormat;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * A base for tests of time-driven queue features: a broker on a temporary directory whose clock the test moves, with
 * the test properties format (headers readable in deliveries) and a channel.
 */
abstract class ClockedBrokerTest {

    @TempDir
    Path dir;

    final AtomicLong now = new AtomicLong(1_700_000_000_000L);
    Broker broker;
    Channel ch;

    @BeforeEach
    void open() {
        start();
    }

    void start() {
        broker = BrokerFixture.openWithClock(dir, now);
        broker.usePropertiesFormat(TablePropertiesFormat.INSTANCE);
        ch = broker.connect(Broker.DEFAULT_VHOST, "test").openChannel();
    }

    void restart() {
        broker.close();
        start();
    }

    @AfterEach
    void close() {
        broker.close();
    }

    /** Moves the clock and runs the broker's timer check. */
    void tick(long millis) {
        now.addAndGet(millis);
        broker.expire();
    }
}
