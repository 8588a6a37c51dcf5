package io.hermod.amqp.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.AppenderBase;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.GetResponse;
import io.hermod.amqp.codec.LeakCheck;
import io.hermod.broker.Broker;
import io.hermod.broker.BrokerConfig;
import io.hermod.broker.QueueInfo;
import io.hermod.broker.VirtualHost;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Decoder fuzzing at the connection level (issue 5): a session the RabbitMQ Java client really sent is recorded, then
 * replayed over raw sockets in hundreds of mutated versions ({@link FrameMutator}) against a running server, several at
 * once. After each case: the server closed the connection, or kept it cleanly, within a bound (it must close it at
 * the latest when the client's input ends); any {@code connection.close} or {@code channel.close} it sent carries a
 * protocol reply code, never INTERNAL_ERROR (an exception nobody anticipated); its output is well framed; and a fresh
 * RabbitMQ-client connection still declares, publishes and gets. At the end: no ByteBuf leaked (paranoid leak
 * detection, {@link LeakCheck}), nothing was logged at WARN or above (an exception reaching the pipeline's tail, a
 * failed connection), every fuzzed connection is gone and no queue keeps a consumer of one, and a connection opened
 * before the fuzzing still works.
 *
 * <p>Replays are paced: before each frame the replay waits (briefly) for as many server frames as the client had seen
 * when it sent that frame, so that mutations land in the states the real session reached (after consume-ok, with
 * deliveries unacknowledged, ...). A case whose server answers differently stops waiting and sends the rest at once.
 *
 * <p>Seeded: {@code -Dhermod.fuzz.seed=N} replays a run (the seed is printed at the start and in every failure) and
 * {@code -Dhermod.fuzz.case=N} one case of it; {@code -Dhermod.fuzz.cases=N} sets the number of cases (default 1,000),
 * cut short after {@code -Dhermod.fuzz.seconds} (default 12).
 */
@Timeout(300)
class ConnectionFuzzTest {

    private static final long SEED = Long.getLong("hermod.fuzz.seed", System.nanoTime());
    private static final int CASES = Integer.getInteger("hermod.fuzz.cases", 1_000);
    private static final int ONLY_CASE = Integer.getInteger("hermod.fuzz.case", -1);
    private static final int WORKERS = 8;
    private static final Duration BUDGET = Duration.ofSeconds(Integer.getInteger("hermod.fuzz.seconds", 12));
    private static final long PACE_MILLIS = 150;
    private static final long EOF_MILLIS = 5_000;
    private static final Set<Integer> REPLY_CODES = Set.of(
            ReplyCodes.CONNECTION_FORCED,
            ReplyCodes.ACCESS_REFUSED,
            ReplyCodes.NOT_FOUND,
            ReplyCodes.RESOURCE_LOCKED,
            ReplyCodes.PRECONDITION_FAILED,
            ReplyCodes.FRAME_ERROR,
            ReplyCodes.SYNTAX_ERROR,
            ReplyCodes.COMMAND_INVALID,
            ReplyCodes.CHANNEL_ERROR,
            ReplyCodes.UNEXPECTED_FRAME,
            ReplyCodes.RESOURCE_ERROR,
            ReplyCodes.NOT_ALLOWED,
            ReplyCodes.NOT_IMPLEMENTED);

    private static final Map<String, Integer> OUTCOMES = new ConcurrentSkipListMap<>();
    private static final Set<Integer> IN_FLIGHT = ConcurrentHashMap.newKeySet();
    private static final List<String> LOGGED = new CopyOnWriteArrayList<>();

    /** Everything logged at WARN or above while this class runs, with the cases in flight at the time. */
    private static final AppenderBase<ILoggingEvent> CAPTURE = new AppenderBase<>() {
        @Override
        protected void append(ILoggingEvent event) {
            if (event.getLevel().isGreaterOrEqual(Level.WARN)) {
                String cause = event.getThrowableProxy() == null
                        ? ""
                        : "\n" + ThrowableProxyUtil.asString(event.getThrowableProxy());
                LOGGED.add(event.getLevel() + " " + event.getLoggerName() + ": " + event.getFormattedMessage()
                        + " (cases in flight: " + new TreeSet<>(IN_FLIGHT) + ")" + cause);
            }
        }
    };

    @BeforeAll
    static void captureLogs() {
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        CAPTURE.setName("hermod-fuzz-capture");
        CAPTURE.setContext(root.getLoggerContext());
        CAPTURE.start();
        root.addAppender(CAPTURE);
    }

    @AfterAll
    static void stopCapturing() {
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.detachAppender(CAPTURE);
        CAPTURE.stop();
    }

    @TempDir
    Path dir;

    private Broker broker;
    private AmqpServer server;
    private RecordedSession corpus;

    @BeforeEach
    void start() throws Exception {
        assertThat(LeakCheck.collectLeaks()).as("leaks before the fuzzing").isEmpty();
        broker = Broker.open(BrokerConfig.of(dir));
        server = AmqpServer.start(broker, AmqpServerConfig.of("127.0.0.1", 0));
        corpus = SessionRecorder.recordSession(server.port());
        LOGGED.clear();
    }

    @AfterEach
    void stop() {
        server.close();
        broker.close();
    }

    @Test
    void theRecordedSessionReplaysCleanlyOverARawSocket() throws Exception {
        // Given the session the RabbitMQ client sent, renamed
        RecordedSession session = corpus.renamed("fzplain");
        assertThat(session.frames().size()).as("frames recorded").isGreaterThan(40);

        // When it is replayed unchanged
        try (RawConnection connection = RawConnection.open(server.port())) {
            for (RecordedSession.Frame frame : session.frames()) {
                assertThat(connection.awaitFrames(frame.serverFramesBefore(), EOF_MILLIS))
                        .as("the server answered as before %s", frame.describe())
                        .isTrue();
                assertThat(connection.send(frame.bytes())).isTrue();
            }

            // Then the server answers as it did the client: one channel error (the passive declare), then close-ok
            assertThat(connection.awaitEof(EOF_MILLIS))
                    .as("the server closed after close-ok")
                    .isTrue();
            assertThat(connection.closeOk()).isTrue();
            assertThat(connection.connectionCloses()).isEmpty();
            assertThat(connection.channelCloses()).containsExactly(ReplyCodes.NOT_FOUND);
            assertThat(connection.malformed()).isNull();
        }
        assertThat(LOGGED).isEmpty();
    }

    /**
     * Found by the fuzzer (seed 13887114634583, case 1241): prefetch-size, an unsigned 32-bit field, was read as a
     * negative int, and the next basic.consume failed with INTERNAL_ERROR (ConsumeOptions refused the negative limit).
     */
    @Test
    void aPrefetchSizeAboveTwoToThe31IsAnUnsignedLimitNotAnInternalError() throws Exception {
        // Given a channel whose basic.qos carries prefetch-size 2^31 (the client writes the int's bits unchanged)
        ConnectionFactory factory = new ConnectionFactory();
        factory.setHost("127.0.0.1");
        factory.setPort(server.port());
        factory.setAutomaticRecoveryEnabled(false);
        try (Connection connection = factory.newConnection("qos")) {
            Channel channel = connection.createChannel();
            channel.queueDeclare("qos", false, false, false, null);
            channel.basicQos(Integer.MIN_VALUE, 10, false);

            // When it consumes
            String tag = channel.basicConsume("qos", false, new DefaultConsumer(channel));

            // Then the consumer is there and nothing failed
            assertThat(tag).isNotEmpty();
            assertThat(channel.isOpen()).isTrue();
            assertThat(channel.consumerCount("qos")).isEqualTo(1);
        }
        assertThat(LOGGED).isEmpty();
    }

    @Test
    void mutatedClientSessionsAreRefusedCleanlyWithoutLeaksOrHangsAndTheBrokerServesOthers() throws Exception {
        // Given a connection opened before the fuzzing
        ConnectionFactory factory = new ConnectionFactory();
        factory.setHost("127.0.0.1");
        factory.setPort(server.port());
        factory.setAutomaticRecoveryEnabled(false);
        System.out.println("ConnectionFuzzTest seed " + SEED + " (-Dhermod.fuzz.seed=" + SEED + " replays it)");
        List<String> failures = new CopyOnWriteArrayList<>();
        AtomicInteger next = new AtomicInteger(ONLY_CASE >= 0 ? ONLY_CASE : 0);
        int end = ONLY_CASE >= 0 ? ONLY_CASE + 1 : CASES;
        AtomicInteger run = new AtomicInteger();
        long deadline = System.nanoTime() + BUDGET.toNanos();

        try (Connection bystander = factory.newConnection("bystander")) {
            // When mutated sessions are replayed, several at once
            ExecutorService workers = Executors.newFixedThreadPool(WORKERS);
            for (int w = 0; w < WORKERS; w++) {
                int worker = w;
                workers.execute(() -> {
                    for (int i = next.getAndIncrement();
                            i < end && System.nanoTime() < deadline && failures.size() < 10;
                            i = next.getAndIncrement()) {
                        IN_FLIGHT.add(i);
                        try {
                            String failure = runCase(i);
                            if (failure == null) {
                                failure = probe(factory, worker);
                            }
                            if (failure != null) {
                                failures.add("case " + i + " (seed " + SEED + "): " + failure);
                            }
                        } catch (Exception | AssertionError e) {
                            failures.add("case " + i + " (seed " + SEED + "): " + e);
                        } finally {
                            IN_FLIGHT.remove(i);
                            run.incrementAndGet();
                        }
                    }
                });
            }
            workers.shutdown();
            assertThat(workers.awaitTermination(BUDGET.toSeconds() + 60, TimeUnit.SECONDS))
                    .isTrue();
            long elapsed = Duration.ofNanos(System.nanoTime() - deadline + BUDGET.toNanos())
                    .toMillis();
            System.out.println("ConnectionFuzzTest ran " + run.get() + " cases in " + elapsed + " ms: " + OUTCOMES);

            // Then every case ended cleanly
            assertThat(failures).as("fuzz failures, seed %d", SEED).isEmpty();
            // nothing leaked, nothing escaped the pipeline
            assertThat(LeakCheck.collectLeaks())
                    .as("ByteBuf leaks, seed %d", SEED)
                    .isEmpty();
            assertThat(LOGGED).as("WARN and ERROR logs, seed %d", SEED).isEmpty();
            // every fuzzed connection is gone, its consumers with it, and the bystander still works
            await().atMost(Duration.ofSeconds(10)).until(() -> server.connectionCount() == 1);
            VirtualHost vhost = broker.vhost("/").orElseThrow();
            await().atMost(Duration.ofSeconds(10))
                    .untilAsserted(() -> assertThat(vhost.queueNames().stream()
                                    .filter(q -> vhost.queueInfo(q)
                                                    .map(QueueInfo::consumerCount)
                                                    .orElse(0)
                                            > 0)
                                    .toList())
                            .as("queues with consumers of closed connections, seed %d", SEED)
                            .isEmpty());
            assertThat(declarePublishGet(bystander, "fuzz.bystander")).isNull();
        }
    }

    /** Replays one mutated session; returns why it failed, or null. */
    private String runCase(int index) throws Exception {
        Random random = new Random(SEED * 1_000_003L + index);
        RecordedSession session = corpus.renamed(String.format("fz%05d", index % 100_000));
        FrameMutator.Mutation mutation = FrameMutator.mutate(session, random);
        // most cases end the client's input after the last frame; some keep it open to see the server close by itself
        boolean keepOpen = random.nextInt(20) == 0;
        String what = mutation.description() + (keepOpen ? " [client stays open]" : "");
        try (RawConnection connection = RawConnection.open(server.port())) {
            boolean paced = true;
            for (RecordedSession.Frame frame : mutation.frames()) {
                if (paced && connection.frames() < frame.serverFramesBefore()) {
                    paced = connection.awaitFrames(frame.serverFramesBefore(), PACE_MILLIS);
                }
                if (!connection.send(frame.bytes())) {
                    break; // the server closed the connection
                }
            }
            if (keepOpen && connection.awaitCloseOrEof(1_000) && !connection.eof()) {
                // the server sent connection.close: answer it and the server must close the socket (spec 2.2.4)
                connection.send(RawConnection.CLOSE_OK);
                if (!connection.awaitEof(EOF_MILLIS)) {
                    return what + ": the server did not close the connection after close and close-ok";
                }
            }
            connection.shutdownOutput();
            if (!connection.awaitEof(EOF_MILLIS)) {
                return what + ": the server kept the connection open " + EOF_MILLIS
                        + " ms after the client's input ended";
            }
            List<Integer> codes = new ArrayList<>(connection.connectionCloses());
            codes.addAll(connection.channelCloses());
            for (int code : codes) {
                if (!REPLY_CODES.contains(code)) {
                    return what + ": the server closed with reply code " + code + " (connection.close "
                            + connection.connectionCloses() + ", channel.close " + connection.channelCloses() + ")";
                }
            }
            if (connection.malformed() != null) {
                return what + ": " + connection.malformed();
            }
            String outcome = connection.connectionCloses().isEmpty()
                    ? (connection.channelCloses().isEmpty() ? "no error" : "channel error(s) only")
                    : "connection.close " + connection.connectionCloses().getFirst();
            OUTCOMES.merge(outcome + (paced ? ", paced to the end" : ""), 1, Integer::sum);
        }
        return null;
    }

    /** A fresh RabbitMQ-client connection declares, publishes and gets; returns why not, or null. */
    private static String probe(ConnectionFactory factory, int worker) {
        try (Connection connection = factory.newConnection("probe")) {
            return declarePublishGet(connection, "fuzz.probe." + worker);
        } catch (Exception e) {
            return "a fresh connection failed after the case: " + e + (e.getCause() == null ? "" : ", " + e.getCause());
        }
    }

    private static String declarePublishGet(Connection connection, String queue) throws Exception {
        Channel channel = connection.createChannel();
        channel.queueDeclare(queue, false, false, false, null);
        channel.basicPublish("", queue, null, "probe".getBytes(StandardCharsets.UTF_8));
        GetResponse got = await().atMost(Duration.ofSeconds(5))
                .pollInterval(Duration.ofMillis(1))
                .until(() -> channel.basicGet(queue, true), Objects::nonNull);
        channel.close();
        String body = new String(got.getBody(), StandardCharsets.UTF_8);
        return body.equals("probe") ? null : "the probe got " + body + " from " + queue;
    }
}
