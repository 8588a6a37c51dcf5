package io.hermod.amqp.codec;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The leak check the codec tests rely on does catch a leak (otherwise their passing would prove nothing). */
class LeakCheckTest {

    @BeforeAll
    static void paranoidDetectionAndNoEarlierLeaks() {
        // initialising LeakCheck sets paranoid detection, so the buffer below is tracked even outside Maven
        assertThat(LeakCheck.collectLeaks()).isEmpty();
    }

    @Test
    void anUnreleasedBufferIsReportedOnceCollected() {
        // Given a buffer that is dropped without release
        leak();

        // When garbage is collected and the detector drained
        var leaks = LeakCheck.collectLeaks();

        // Then the leak is reported
        assertThat(leaks).isNotEmpty();
        assertThat(leaks.getFirst()).contains("LEAK");
    }

    private static void leak() {
        ByteBuf buffer = Unpooled.directBuffer(8);
        buffer.writeLong(42);
    }
}
