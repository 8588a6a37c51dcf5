package io.hermod.amqp.codec;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.util.ResourceLeakDetector;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.LoggerFactory;

/**
 * Fails a test (or, after a garbage collection, its test class) when Netty's leak detector reports a {@code ByteBuf}
 * that became unreachable without being released. Detection is paranoid (every buffer tracked): set by the build's
 * surefire {@code argLine} and again here, for runs outside Maven. Leaks are captured from the detector's log. Only
 * pooled and direct buffers are tracked (unpooled heap buffers are left to the garbage collector), which is what the
 * decoder's cumulation and the tests' inputs are. Public for the server package's connection fuzzer, which calls
 * {@link #collectLeaks()} itself, and for hermod-it's end-to-end tests (through this module's test-jar).
 *
 * <p>Threading: the capture list is thread-safe; the callbacks run on JUnit's thread.
 */
public final class LeakCheck implements AfterEachCallback, AfterAllCallback {

    private static final List<String> LEAKS = new CopyOnWriteArrayList<>();

    static {
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
        Logger logger = (Logger) LoggerFactory.getLogger(ResourceLeakDetector.class);
        AppenderBase<ILoggingEvent> appender = new AppenderBase<>() {
            @Override
            protected void append(ILoggingEvent event) {
                if (event.getFormattedMessage().contains("LEAK")) {
                    LEAKS.add(event.getFormattedMessage());
                }
            }
        };
        appender.setName("hermod-leak-check");
        appender.setContext(logger.getLoggerContext());
        appender.start();
        logger.addAppender(appender);
    }

    @Override
    public void afterEach(ExtensionContext context) {
        failOn(drain());
    }

    @Override
    public void afterAll(ExtensionContext context) {
        failOn(collectLeaks());
    }

    /** Collects garbage and has the detector report what it found; returns (and forgets) every leak reported. */
    public static List<String> collectLeaks() {
        for (int round = 0; round < 5; round++) {
            System.gc();
            // The reference handler queues collected trackers shortly after the collection; the detector reports
            // them when it next tracks a buffer, which in paranoid mode is every allocation.
            LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
            for (int i = 0; i < 4; i++) {
                Unpooled.directBuffer(1).release();
                ByteBufAllocator.DEFAULT.buffer(1).release();
            }
        }
        return drain();
    }

    private static List<String> drain() {
        List<String> leaks = List.copyOf(LEAKS);
        LEAKS.removeAll(leaks);
        return leaks;
    }

    private static void failOn(List<String> leaks) {
        if (!leaks.isEmpty()) {
            throw new AssertionError("ByteBuf leaked (" + leaks.size() + " reports):\n" + String.join("\n", leaks));
        }
    }
}
