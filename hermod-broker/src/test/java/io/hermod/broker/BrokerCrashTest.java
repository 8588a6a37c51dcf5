package io.hermod.broker;

import static org.assertj.core.api.Assertions.assertThat;

import io.hermod.broker.definitions.BindingDefinition;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills a child JVM running a broker ({@link CrashingPublisher}) with SIGKILL at random moments while it publishes
 * with confirms to three durable queues (through a fanout, a topic and the default exchange) and consumes one of them,
 * then recovers the data directory in-process and checks, per queue:
 *
 * <ul>
 *   <li>every confirmed persistent message it was routed to is there, exactly once, unless its acknowledgement was
 *       announced (acks are written lazily: an acknowledged message may come back, never twice);
 *   <li>nothing is there twice, nothing that was not published to it, nothing already gone for good;
 *   <li>every message handed out before (to the child's consumer, or to this test's previous recovery) that comes back
 *       is flagged redelivered — in the child's next run as well as here.
 * </ul>
 *
 * <p>The state accumulates across kills: each recovery acknowledges a random half of what it finds (gone for good
 * after the clean close that follows) and leaves the rest, which the next run must still hold. The default build
 * runs a few kills; {@code ./mvnw verify -Pcrash} runs the long loop (tag {@code crash-loop}).
 */
class BrokerCrashTest {

    /** The child is killed after a random number of lines (publishes, confirms, deliveries, acks) up to this. */
    private static final int MAX_LINES_BEFORE_KILL = 30_000;

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void confirmedMessagesSurviveAFewKillsExactlyOnceAndHandedOutOnesComeBackRedelivered() throws Exception {
        killRepeatedly(3, new Random().nextLong());
    }

    @Test
    @Tag("crash-loop")
    @Timeout(value = 30, unit = TimeUnit.MINUTES)
    void confirmedMessagesSurviveThirtyKillsExactlyOnceAndHandedOutOnesComeBackRedelivered() throws Exception {
        killRepeatedly(30, new Random().nextLong());
    }

    private void killRepeatedly(int kills, long seed) throws Exception {
        Random random = new Random(seed);
        Model model = new Model();
        Path data = dir.resolve("data");
        for (int round = 0; round < kills; round++) {
            String where = "round " + round + " (seed " + seed + ")";
            int confirmed = runAndKill(data, round, random, model, where);
            assertThat(confirmed)
                    .as("%s: the child confirmed something before the kill", where)
                    .isPositive();
            recoverAndVerify(data, random, model, where);
        }
    }

    // ------------------------------------------------------------------ the child

    /** Runs the child until a random line and SIGKILLs it; returns the confirms of this run. */
    private int runAndKill(Path data, int round, Random random, Model model, String where) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path stderr = dir.resolve("child-" + round + ".err");
        Process child = new ProcessBuilder(
                        java,
                        "-Xmx256m",
                        "-XX:+UseSerialGC",
                        "-cp",
                        System.getProperty("java.class.path"),
                        CrashingPublisher.class.getName(),
                        data.toString(),
                        Long.toString((round + 1) * 1_000_000_000L),
                        Long.toString(random.nextLong()))
                .redirectError(stderr.toFile())
                .start();
        int killAfterLines = 1 + random.nextInt(MAX_LINES_BEFORE_KILL);
        Run run = new Run(model, where);
        Thread reader = new Thread(
                () -> {
                    try (BufferedReader in =
                            new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                        String line;
                        while ((line = in.readLine()) != null) {
                            run.onLine(line);
                            if (run.confirms > 0 && run.lines >= killAfterLines) {
                                kill(child);
                            }
                        }
                    } catch (IOException e) {
                        run.violations.add("reading the child's stdout failed, lines may be lost: " + e);
                    }
                },
                "child-reader-" + round);
        reader.start();
        try {
            assertThat(child.waitFor(60, TimeUnit.SECONDS))
                    .as("%s: the child reached line %d and was killed", where, killAfterLines)
                    .isTrue();
        } finally {
            kill(child);
            child.waitFor(30, TimeUnit.SECONDS);
            reader.join(30_000);
        }
        assertThat(reader.isAlive())
                .as("%s: the child's stdout was read to its end", where)
                .isFalse();
        assertThat(child.exitValue())
                .as("%s: the child died of SIGKILL, not by itself; stderr: %s", where, Files.readString(stderr))
                .isEqualTo(137);
        assertThat(run.violations).as("%s: what the child saw", where).isEmpty();
        assertThat(run.errorLogs)
                .as("%s: errors the child's broker logged", where)
                .isEmpty();
        return run.confirms;
    }

    /**
     * SIGKILLs the child through its process handle: {@link Process#destroyForcibly()} would also close our end of its
     * stdout, losing the lines it wrote just before it died (a publish announced, an ack announced) that the reader has
     * not read yet. Once a write returned, its line is in the pipe whatever happens to the child.
     */
    private static void kill(Process child) {
        child.toHandle().destroyForcibly();
    }

    // ------------------------------------------------------------------ recovery

    /** Opens the broker on the data directory, drains every queue with unacknowledged gets and checks the model. */
    private void recoverAndVerify(Path data, Random random, Model model, String where) {
        try (Broker broker = Broker.open(BrokerConfig.of(data))) {
            VirtualHost vhost = broker.vhost("/").orElseThrow();
            assertThat(vhost.queueNames())
                    .as("%s: queues", where)
                    .containsExactlyInAnyOrderElementsOf(CrashingPublisher.QUEUES);
            assertThat(vhost.bindings())
                    .as("%s: bindings", where)
                    .extracting(BindingDefinition::destination)
                    .containsExactlyInAnyOrder("q1", "q2", "q3", "q1", "q2", "q3");
            Channel ch = broker.connect("/", "verifier").openChannel();
            for (String queue : CrashingPublisher.QUEUES) {
                verifyQueue(queue, vhost, ch, random, model, where);
            }
        }
    }

    private void verifyQueue(String queue, VirtualHost vhost, Channel ch, Random random, Model model, String where) {
        Map<Long, Fact> facts = model.facts.get(queue);
        long ready = vhost.queueInfo(queue).orElseThrow().messageCount();
        Map<Long, Long> found = new LinkedHashMap<>(); // id -> delivery tag
        for (Optional<Delivery> got = ch.get(queue, false); got.isPresent(); got = ch.get(queue, false)) {
            Delivery d = got.get();
            long id = CrashingPublisher.idOf(d.body());
            String what = where + ": " + queue + " holds id " + id;
            assertThat(found.put(id, d.deliveryTag())).as("%s twice", what).isNull();
            // a set's own contains: AssertJ's would scan (and, failing, print) every id of every round
            assertThat(model.published.contains(id))
                    .as("%s, which was never published", what)
                    .isTrue();
            Fact f = facts.get(id);
            assertThat(f).as("%s, which was not routed to it", what).isNotNull();
            assertThat(f.gone).as("%s, which was gone for good", what).isFalse();
            if (f.handedOut) {
                assertThat(d.redelivered())
                        .as("%s, handed out before, without the redelivered flag", what)
                        .isTrue();
            }
        }
        assertThat((long) found.size())
                .as("%s: %s's message count after recovery", where, queue)
                .isEqualTo(ready);
        List<Long> missing = new ArrayList<>();
        for (Map.Entry<Long, Fact> e : facts.entrySet()) {
            if (e.getValue().required() && !found.containsKey(e.getKey())) {
                missing.add(e.getKey());
            }
        }
        assertThat(missing)
                .as("%s: confirmed ids missing from %s", where, queue)
                .isEmpty();

        // acknowledge a random half (and every transient or child-acknowledged one); the rest must stay
        for (Map.Entry<Long, Fact> e : facts.entrySet()) {
            long id = e.getKey();
            Fact f = e.getValue();
            Long tag = found.get(id);
            if (tag == null) {
                f.gone = true; // not confirmed or acknowledged, and not there: it must never appear
            } else if (!CrashingPublisher.persistent(id) || f.ackedByChild || random.nextBoolean()) {
                ch.ack(tag, false);
                f.gone = true;
            } else {
                f.kept = true;
                f.ackedByChild = false;
                f.handedOut = true;
            }
        }
    }

    // ------------------------------------------------------------------ the model

    /** What the test knows about one message in one queue. */
    private static final class Fact {
        final boolean persistent;
        boolean confirmed;
        boolean kept; // left in the queue through a clean close by this test
        boolean ackedByChild; // announced by the child since it was last kept
        boolean handedOut; // delivered at least once: it must come back flagged redelivered
        boolean gone; // acknowledged through a clean close, or missing once: must never appear again

        Fact(boolean persistent) {
            this.persistent = persistent;
        }

        /** Whether the queue must hold it now. */
        boolean required() {
            return !gone && !ackedByChild && (kept || confirmed && persistent);
        }
    }

    /** Everything the test knows, accumulated over every round. */
    private static final class Model {
        final Set<Long> published = new HashSet<>();
        /** Per queue, every id routed to it; gone ones stay, to catch one coming back. */
        final Map<String, Map<Long, Fact>> facts = new HashMap<>();

        Model() {
            for (String q : CrashingPublisher.QUEUES) {
                facts.put(q, new HashMap<>());
            }
        }
    }

    /** One run of the child: its stdout applied to the model, line by line, on the reader thread. */
    private static final class Run {
        final Model model;
        final String where;
        final List<String> violations = new ArrayList<>();
        final List<String> errorLogs = new ArrayList<>();
        volatile int lines;
        volatile int confirms;

        Run(Model model, String where) {
            this.model = model;
            this.where = where;
        }

        void onLine(String line) {
            String[] parts = line.split(" ", 3);
            switch (parts[0]) {
                case "READY" -> {}
                case "P" -> {
                    long id = Long.parseLong(parts[1]);
                    model.published.add(id);
                    boolean persistent = CrashingPublisher.persistent(id);
                    for (String q : CrashingPublisher.routeOf(id)) {
                        model.facts.get(q).put(id, new Fact(persistent));
                    }
                }
                case "C" -> {
                    long id = Long.parseLong(parts[1]);
                    for (String q : CrashingPublisher.routeOf(id)) {
                        Fact f = fact(q, id, line);
                        if (f != null) {
                            f.confirmed = true;
                        }
                    }
                    confirms++;
                }
                case "D" -> {
                    long id = Long.parseLong(parts[1]);
                    Fact f = fact(CrashingPublisher.CONSUMED_QUEUE, id, line);
                    if (f != null) {
                        if (f.gone) {
                            violations.add(line + ": delivered after it was gone for good");
                        }
                        if (f.handedOut && !Boolean.parseBoolean(parts[2])) {
                            violations.add(line + ": handed out before, without the redelivered flag");
                        }
                        f.handedOut = true;
                    }
                }
                case "A" -> {
                    Fact f = fact(CrashingPublisher.CONSUMED_QUEUE, Long.parseLong(parts[1]), line);
                    if (f != null) {
                        f.ackedByChild = true;
                    }
                }
                case "F" -> violations.add(line);
                default -> {
                    if (line.contains(" ERROR ")) {
                        errorLogs.add(line);
                    }
                    return; // the broker's logging
                }
            }
            lines++;
        }

        private Fact fact(String queue, long id, String line) {
            Fact f = model.facts.get(queue).get(id);
            if (f == null) {
                violations.add(line + ": not published to " + queue);
            }
            return f;
        }
    }
}
