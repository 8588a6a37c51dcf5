package io.hermod.bench.amqp;

import io.hermod.amqp.codec.BasicProperties;
import io.hermod.amqp.codec.BasicPublish;
import io.hermod.amqp.codec.ContentBodyFrame;
import io.hermod.amqp.codec.ContentHeaderFrame;
import io.hermod.amqp.codec.FrameDecoder;
import io.hermod.amqp.codec.FrameEncoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The server's read path up to a publish's body array: a stream of PerfTest-like publishes ({@code basic.publish},
 * content header with delivery mode 2, one body frame) arrives in socket reads of {@code readBytes}, each copied into a
 * pooled direct buffer as a socket read is, decoded by {@link FrameDecoder}, and each body copied into a heap array and
 * the frames released, as the server's channel does. One operation is one message.
 *
 * <p>{@code cumulator} is how the decoder joins a frame cut by a read's end to the next read: {@code merge} (Netty's
 * default) copies the next read into the cumulation behind the cut frame, {@code composite} adds it as a component.
 * Under load most reads end inside a frame: the server measured 67-83 % of the bytes it read copied by {@code merge}
 * under PerfTest (a) and (b). Run with {@code -prof gc} to see the garbage per message as well.
 *
 * <p>Threading: one benchmark thread; the decoder runs in an {@link EmbeddedChannel} on that thread.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Threads(1)
@OperationsPerInvocation(FrameDecodeBenchmark.MESSAGES)
public class FrameDecodeBenchmark {

    static final int MESSAGES = 1_000;
    private static final int FRAME_MAX = 131_072;

    @Param({"1024", "16384"})
    int bodyBytes;

    @Param({"9400", "65536"})
    int readBytes;

    @Param({"merge", "composite"})
    String cumulator;

    private final ByteBufAllocator allocator = PooledByteBufAllocator.DEFAULT;
    private final List<byte[]> reads = new ArrayList<>();
    private EmbeddedChannel channel;
    private BodySink sink;

    @Setup
    public void setUp() {
        ByteBuf properties = Unpooled.buffer();
        new BasicProperties(null, null, Map.of(), 2, null, null, null, null, null, null, null, null, null, null)
                .encode(properties);
        byte[] body = new byte[bodyBytes];
        new SplittableRandom(1).nextBytes(body);
        ByteBuf stream = Unpooled.buffer();
        BasicPublish publish = new BasicPublish(0, "", "perf-b", false, false);
        for (int i = 0; i < MESSAGES; i++) {
            FrameEncoder.writeCommand(
                    stream, 1, publish, properties.duplicate(), Unpooled.wrappedBuffer(body), FRAME_MAX);
        }
        properties.release();
        while (stream.isReadable()) {
            byte[] read = new byte[Math.min(readBytes, stream.readableBytes())];
            stream.readBytes(read);
            reads.add(read);
        }
        stream.release();
        FrameDecoder decoder = new FrameDecoder(FRAME_MAX);
        decoder.setCumulator(
                "composite".equals(cumulator)
                        ? ByteToMessageDecoder.COMPOSITE_CUMULATOR
                        : ByteToMessageDecoder.MERGE_CUMULATOR);
        sink = new BodySink();
        channel = new EmbeddedChannel(decoder, sink);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        channel.finishAndReleaseAll();
    }

    @Benchmark
    public long decode() {
        for (byte[] read : reads) {
            ByteBuf in = allocator.directBuffer(Math.max(read.length, readBytes));
            in.writeBytes(read);
            channel.writeInbound(in);
        }
        return sink.bodies;
    }

    /** Copies each body into a heap array and releases every frame, as the server's channel does. */
    private static final class BodySink extends ChannelInboundHandlerAdapter {
        long bodies;
        private byte[] body;
        private int received;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof ContentHeaderFrame header) {
                body = new byte[(int) header.bodySize()];
                received = 0;
                header.release();
            } else if (msg instanceof ContentBodyFrame frame) {
                ByteBuf payload = frame.payload();
                int n = payload.readableBytes();
                payload.getBytes(payload.readerIndex(), body, received, n);
                received += n;
                if (received == body.length) {
                    bodies++;
                }
                frame.release();
            }
        }
    }
}
