package io.hermod.bench.embedded;

import io.hermod.bench.storage.ScratchDirectory;
import io.hermod.broker.Channel;
import io.hermod.broker.ConsumeOptions;
import io.hermod.broker.Message;
import io.hermod.broker.PublishResult;
import io.hermod.broker.QueueSpec;
import io.hermod.embedded.EmbeddedHermod;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * Publish-to-deliver throughput through the in-process API: one producer, one consumer, 1 KiB messages, a durable
 * queue. Each operation is one message published, confirmed (for persistent messages: fsynced through group commit)
 * and delivered to a consumer that acknowledges with {@code multiple} every 100 messages (prefetch 1,000). The producer
 * keeps up to {@value #BATCH} confirms outstanding, as a pipelining AMQP publisher would.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 3)
@Measurement(iterations = 5, time = 3)
@Fork(1)
@State(Scope.Benchmark)
public class PublishDeliverBenchmark {

    static final int BATCH = 1000;

    @Param({"true", "false"})
    boolean persistent;

    @Param({"1024"})
    int size;

    private Path dir;
    private EmbeddedHermod hermod;
    private Channel producer;
    private final AtomicLong delivered = new AtomicLong();
    private long published;
    private byte[] body;

    @Setup(Level.Trial)
    public void start() throws IOException {
        dir = ScratchDirectory.create("hermod-pubdel-");
        hermod = EmbeddedHermod.builder().dataDirectory(dir).start();
        producer = hermod.connect("producer").openChannel();
        producer.declareQueue(QueueSpec.durable("bench"));
        Channel consumer = hermod.connect("consumer").openChannel();
        consumer.consume("bench", ConsumeOptions.manualAck(1000), d -> {
            if (delivered.incrementAndGet() % 100 == 0) {
                consumer.ack(d.deliveryTag(), true);
            }
        });
        body = new byte[size];
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void publishAndDeliver() {
        @SuppressWarnings("unchecked")
        CompletableFuture<PublishResult>[] confirms = new CompletableFuture[BATCH];
        for (int i = 0; i < BATCH; i++) {
            confirms[i] = producer.publish(Message.of("", "bench", persistent, body));
        }
        CompletableFuture.allOf(confirms).join();
        published += BATCH;
        while (delivered.get() < published) {
            LockSupport.parkNanos(10_000);
        }
    }

    @TearDown(Level.Trial)
    public void stop() throws IOException {
        hermod.close();
        ScratchDirectory.delete(dir);
    }
}
