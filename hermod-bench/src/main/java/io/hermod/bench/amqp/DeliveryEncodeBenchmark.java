package io.hermod.bench.amqp;

import io.hermod.amqp.codec.BasicDeliver;
import io.hermod.amqp.codec.BasicProperties;
import io.hermod.amqp.codec.FrameEncoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Encoding one {@code basic.deliver} of a stored message, as a queue thread does for every delivery: the method frame
 * (a PerfTest-like consumer tag, exchange and routing key), the content header with the stored property bytes, and the
 * body frames, into a buffer from Netty's default (pooled) allocator, released after. One operation is one delivery.
 *
 * <ul>
 *   <li>{@link #fromNioBuffers}: the stored buffers (read-only NIO views, as the broker hands them out) copied by
 *       {@code FrameEncoder}'s NIO variant, an absolute bulk put into the output;
 *   <li>{@link #throughNettyWrappers}: what the server did before: each stored buffer wrapped as a Netty buffer
 *       ({@code Unpooled.wrappedBuffer}) for the Netty variant of the same method.
 * </ul>
 *
 * <p>Run with {@code -prof gc}: the difference in {@code gc.alloc.rate.norm} is the wrappers' garbage per delivery.
 *
 * <p>Threading: one benchmark thread; the stored buffers are never moved, as several consumers may encode them at once.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Threads(1)
public class DeliveryEncodeBenchmark {

    private static final int FRAME_MAX = 131_072;

    @Param({"1024", "65536"})
    int bodyBytes;

    private ByteBuffer properties;
    private ByteBuffer body;
    private BasicDeliver deliver;
    private final ByteBufAllocator allocator = ByteBufAllocator.DEFAULT;

    @Setup
    public void setUp() {
        byte[] bytes = new byte[bodyBytes];
        new SplittableRandom(1).nextBytes(bytes);
        body = ByteBuffer.wrap(bytes).asReadOnlyBuffer();
        ByteBuf encoded = Unpooled.buffer();
        new BasicProperties(null, null, Map.of(), 2, null, null, null, null, null, null, null, null, null, null)
                .encode(encoded);
        properties = ByteBuffer.wrap(ByteBufUtil.getBytes(encoded)).asReadOnlyBuffer();
        encoded.release();
        deliver = new BasicDeliver("amq.ctag-PerfTest-4b2f1c0e-9d1a-4e5b-a6f7", 42, false, "direct", "perf-b");
    }

    @Benchmark
    public int fromNioBuffers() {
        ByteBuf out = allocator.buffer(64 + properties.remaining() + body.remaining());
        try {
            FrameEncoder.writeCommand(out, 1, deliver, properties, body, FRAME_MAX);
            return out.readableBytes();
        } finally {
            out.release();
        }
    }

    @Benchmark
    public int throughNettyWrappers() {
        ByteBuf out = allocator.buffer(64 + properties.remaining() + body.remaining());
        try {
            FrameEncoder.writeCommand(
                    out, 1, deliver, Unpooled.wrappedBuffer(properties), Unpooled.wrappedBuffer(body), FRAME_MAX);
            return out.readableBytes();
        } finally {
            out.release();
        }
    }
}
