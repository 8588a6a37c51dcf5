package io.hermod.broker;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The child JVM of {@link BrokerCrashTest}: opens a broker on a data directory, declares a durable topology (three
 * queues, a fanout and a topic exchange bound to them), publishes messages from two publishers with confirms and
 * consumes from {@code q1} with batched acknowledgements, until it is killed. Arguments: data directory, first id,
 * random seed.
 *
 * <p>It prints one fact per line on stdout, each written before the thing it announces can have effects the parent
 * must allow for, or after the thing it reports is promised:
 *
 * <pre>
 *   READY        the topology is declared
 *   P id         about to publish id (so anything found later is known)
 *   C id         id confirmed (persistent: on stable storage in every queue it was routed to)
 *   D id r       id delivered from q1, r = the redelivered flag
 *   A id         about to acknowledge id (printed first: every ack the broker may have taken is known)
 *   F id reason  the publish of id failed, or reached the wrong number of queues
 * </pre>
 *
 * Anything else on stdout is the broker's logging (warnings and errors only).
 */
public final class CrashingPublisher {

    static final List<String> QUEUES = List.of("q1", "q2", "q3");
    static final String CONSUMED_QUEUE = "q1";
    private static final String FANOUT = "crash.fanout";
    private static final String TOPIC = "crash.topic";
    private static final int IN_FLIGHT = 128;

    private CrashingPublisher() {}

    /** The queues the message with this id reaches, by its routing (see {@link #message}) and the topology. */
    static List<String> routeOf(long id) {
        return switch ((int) (id % 4)) {
            case 0 -> QUEUES; // fanout
            case 1 -> List.of("q2", "q3"); // topic "order.created": q2 by "order.*", q3 by "#.created"
            case 2 -> List.of("q3"); // default exchange
            default -> List.of("q1"); // topic "payment.done": q1 by "payment.#"
        };
    }

    /** One message in five is transient (to a durable queue: gone after a restart, never promised anything). */
    static boolean persistent(long id) {
        return id % 5 != 4;
    }

    static long idOf(ByteBuffer body) {
        return body.getLong(body.position());
    }

    private static Message message(long id, SplittableRandom random) {
        byte[] body = new byte[Long.BYTES + random.nextInt(512)];
        ByteBuffer.wrap(body).putLong(id);
        boolean persistent = persistent(id);
        return switch ((int) (id % 4)) {
            case 0 -> Message.of(FANOUT, "", persistent, body);
            case 1 -> Message.of(TOPIC, "order.created", persistent, body);
            case 2 -> Message.of("", "q3", persistent, body);
            default -> Message.of(TOPIC, "payment.done", persistent, body);
        };
    }

    /** Declares the topology (a no-op when it exists). */
    static void declare(Channel ch) {
        for (String q : QUEUES) {
            ch.declareQueue(QueueSpec.durable(q));
        }
        ch.declareExchange(ExchangeSpec.durable(FANOUT, "fanout"));
        ch.declareExchange(ExchangeSpec.durable(TOPIC, "topic"));
        for (String q : QUEUES) {
            ch.bindQueue(q, FANOUT, "", Map.of());
        }
        ch.bindQueue("q1", TOPIC, "payment.#", Map.of());
        ch.bindQueue("q2", TOPIC, "order.*", Map.of());
        ch.bindQueue("q3", TOPIC, "#.created", Map.of());
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        AtomicLong nextId = new AtomicLong(Long.parseLong(args[1]));
        long seed = Long.parseLong(args[2]);
        Broker broker = Broker.open(BrokerConfig.of(dir));
        declare(broker.connect("/", "setup").openChannel());
        emit("READY");
        consume(broker.connect("/", "consumer").openChannel(), new SplittableRandom(seed));
        List<Thread> publishers = new ArrayList<>();
        for (int p = 0; p < 2; p++) {
            Channel ch = broker.connect("/", "publisher-" + p).openChannel();
            SplittableRandom random = new SplittableRandom(seed + 1 + p);
            Thread t = new Thread(() -> publish(ch, nextId, random), "publisher-" + p);
            t.start();
            publishers.add(t);
        }
        for (Thread t : publishers) {
            t.join(); // until killed
        }
    }

    private static void publish(Channel ch, AtomicLong nextId, SplittableRandom random) {
        Semaphore inFlight = new Semaphore(IN_FLIGHT);
        while (true) {
            inFlight.acquireUninterruptibly();
            long id = nextId.getAndIncrement();
            emit("P " + id);
            ch.publish(message(id, random)).whenComplete((result, failure) -> {
                if (failure != null) {
                    emit("F " + id + " " + failure);
                } else if (result.queues() != routeOf(id).size()) {
                    emit("F " + id + " reached " + result.queues() + " queues");
                } else {
                    emit("C " + id);
                }
                inFlight.release();
            });
        }
    }

    /**
     * Consumes {@code q1}, acknowledging in batches of 1 to 16 with {@code multiple}, so that some deliveries are
     * always unacknowledged when the kill comes. The handler runs on one queue thread at a time, so it owns the batch.
     */
    private static void consume(Channel ch, SplittableRandom random) {
        List<Long> batch = new ArrayList<>();
        int[] batchSize = {1 + random.nextInt(16)};
        ch.consume(CONSUMED_QUEUE, ConsumeOptions.manualAck(32), d -> {
            long id = idOf(d.body());
            emit("D " + id + " " + d.redelivered());
            batch.add(id);
            if (batch.size() >= batchSize[0]) {
                for (long acked : batch) {
                    emit("A " + acked);
                }
                ch.ack(d.deliveryTag(), true);
                batch.clear();
                batchSize[0] = 1 + random.nextInt(16);
            }
        });
    }

    /** One whole line in one write, so that the broker's own logging on stdout never splits it. */
    private static void emit(String line) {
        byte[] bytes = (line + "\n").getBytes(StandardCharsets.UTF_8);
        synchronized (System.out) {
            System.out.write(bytes, 0, bytes.length);
            System.out.flush();
        }
        if (System.out.checkError()) {
            Runtime.getRuntime().halt(3); // the parent is gone
        }
    }
}
