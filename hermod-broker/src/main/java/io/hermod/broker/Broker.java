package io.hermod.broker;

import io.hermod.broker.definitions.DefinitionRecord;
import io.hermod.broker.definitions.DefinitionRecord.VhostAdded;
import io.hermod.broker.definitions.DefinitionRecord.VhostRemoved;
import io.hermod.broker.definitions.DefinitionsLog;
import io.hermod.broker.definitions.QueueDefinition;
import io.hermod.broker.queue.MessageCache;
import io.hermod.broker.queue.Queue;
import io.hermod.storage.Durability;
import io.hermod.storage.LogConfig;
import io.hermod.storage.LogStore;
import io.hermod.storage.LogStoreConfig;
import io.hermod.storage.StorageException;
import io.hermod.storage.StorageFileSystem;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The broker: virtual hosts over one data directory, the definitions log that makes their durable definitions survive
 * restarts, and the threads that run queues. Protocol modules and embedded users open a {@link Session} per client
 * connection and a {@link Channel} per channel, and do everything through those.
 *
 * <p>{@link #open} recovers: it replays the definitions log (STYLE.md rule 8), reopens every durable queue with its
 * cursor (confirmed persistent messages come back, those handed out before flagged redelivered) and deletes what
 * transient queues left behind.
 *
 * <p>Threading: thread-safe. Definition changes are serialised by one lock (the definitions writer) and return once
 * durable; queues run on a shared pool; confirms complete on that pool.
 */
public final class Broker implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Broker.class);
    static final String DEFAULT_VHOST = "/";
    private static final long ALARM_CHECK_MILLIS = 1000;
    private static final String DEFINITIONS_LOG = "definitions";
    private static final char[] NAME_CHARS =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".toCharArray();

    private final BrokerConfig config;
    private final LogStore store;
    private final ExecutorService pool;
    private final ExecutorService admin;
    private final ExecutorService definitionsCompletions;
    private final ScheduledExecutorService alarmTimer;
    private final ResourceAlarms alarms;
    private final MessageCache cache;
    private final DefinitionsLog definitions;
    private final ConcurrentHashMap<String, VirtualHost> vhosts = new ConcurrentHashMap<>();
    private final Set<Session> sessions = ConcurrentHashMap.newKeySet();
    private final Object definitionsLock = new Object();
    private final SecureRandom random = new SecureRandom();
    private volatile boolean closed;

    private Broker(BrokerConfig config, ResourceAlarms alarms, StorageFileSystem fileSystem) {
        this.config = config;
        this.alarms = alarms;
        this.pool = Executors.newFixedThreadPool(config.threads(), daemonThreads("hermod-queue-"));
        this.admin = Executors.newSingleThreadExecutor(daemonThreads("hermod-admin-"));
        // its own thread: a command waits for its append while holding the definitions lock, so the completion must
        // not depend on a thread that might itself be waiting for that lock (a queue thread, the admin thread)
        this.definitionsCompletions = Executors.newSingleThreadExecutor(daemonThreads("hermod-definitions-"));
        this.cache = new MessageCache(config.messageCacheBytes(), config.queueCacheBytes());
        this.alarmTimer = Executors.newSingleThreadScheduledExecutor(daemonThreads("hermod-alarms-"));
        LogStore openedStore = null;
        DefinitionsLog openedDefinitions = null;
        try {
            openedStore =
                    LogStore.open(LogStoreConfig.of(config.dataDirectory()).withFileSystem(fileSystem));
            openedDefinitions = DefinitionsLog.open(openedStore, DEFINITIONS_LOG, definitionsCompletions);
        } catch (RuntimeException e) {
            if (openedStore != null) {
                openedStore.close();
            }
            pool.shutdownNow();
            admin.shutdownNow();
            definitionsCompletions.shutdownNow();
            alarmTimer.shutdownNow();
            throw e;
        }
        this.store = openedStore;
        this.definitions = openedDefinitions;
    }

    /**
     * Opens a broker on its data directory, recovering what a previous run left.
     *
     * @throws BrokerException {@code STORAGE_FAILED} when the data cannot be read (corruption is named, never
     *     silently repaired)
     */
    public static Broker open(BrokerConfig config) {
        try {
            java.nio.file.Files.createDirectories(config.dataDirectory());
        } catch (java.io.IOException e) {
            throw new BrokerException(
                    ErrorCode.STORAGE_FAILED, "cannot create " + config.dataDirectory() + ": " + e.getMessage(), e);
        }
        return open(
                config,
                ResourceAlarms.forJvm(
                        config.memoryHighWatermark(), config.diskFreeLimitBytes(), config.dataDirectory()));
    }

    /** Opens a broker whose resource alarms measure what {@code alarms} is given (tests drive them). */
    static Broker open(BrokerConfig config, ResourceAlarms alarms) {
        return open(config, alarms, StorageFileSystem.DEFAULT);
    }

    /** Opens a broker on a given file seam (tests inject a full disk or failing fsyncs). */
    static Broker open(BrokerConfig config, ResourceAlarms alarms, StorageFileSystem fileSystem) {
        Broker broker;
        try {
            broker = new Broker(config, alarms, fileSystem);
        } catch (StorageException e) {
            throw new BrokerException(
                    ErrorCode.STORAGE_FAILED, "cannot open " + config.dataDirectory() + ": " + e.getMessage(), e);
        }
        try {
            broker.recover();
            broker.alarmTimer.scheduleWithFixedDelay(broker::checkAlarms, 0, ALARM_CHECK_MILLIS, TimeUnit.MILLISECONDS);
            return broker;
        } catch (RuntimeException e) {
            broker.close();
            throw e instanceof StorageException se
                    ? new BrokerException(ErrorCode.STORAGE_FAILED, "recovery failed: " + se.getMessage(), se)
                    : e;
        }
    }

    private void checkAlarms() {
        try {
            alarms.check();
        } catch (RuntimeException e) {
            LOG.warn("Checking the resource alarms failed", e);
        }
    }

    private void recover() {
        long started = System.nanoTime();
        List<DefinitionRecord> records = definitions.load();
        synchronized (definitionsLock) {
            for (DefinitionRecord r : records) {
                replay(r);
            }
        }
        if (records.isEmpty()) {
            command(() -> List.of(new VhostAdded(DEFAULT_VHOST)));
        }
        deleteLeftoverLogs();
        LOG.info(
                "Broker recovered {} vhosts and {} queues from {} in {} ms",
                vhosts.size(),
                vhosts.values().stream().mapToInt(v -> v.queues().size()).sum(),
                config.dataDirectory(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
    }

    /** Removes the logs of queues that are no longer defined: transient queues of the last run, half-done deletes. */
    private void deleteLeftoverLogs() {
        Set<String> live = new HashSet<>();
        live.add(DEFINITIONS_LOG);
        for (VirtualHost v : vhosts.values()) {
            for (Queue q : v.queues()) {
                live.add(Queue.logName(q.definition()));
                live.add(Queue.cursorLogName(q.definition()));
            }
        }
        LogConfig scratch = LogConfig.builder().durability(Durability.OS).build();
        for (String name : store.storedLogNames()) {
            if (!live.contains(name) && name.startsWith("q-")) {
                store.openLog(name, scratch).delete();
            }
        }
    }

    // ------------------------------------------------------------------ vhosts and sessions

    /** The vhost by name, if it exists. */
    public Optional<VirtualHost> vhost(String name) {
        return Optional.ofNullable(vhosts.get(name));
    }

    public Set<String> vhostNames() {
        return Set.copyOf(vhosts.keySet());
    }

    /** Creates a vhost (no-op if it exists). */
    public void addVhost(String name) {
        command(() -> vhosts.containsKey(name) ? List.of() : List.of(new VhostAdded(name)));
    }

    /** Deletes a vhost with everything in it (no-op if it does not exist). */
    public void deleteVhost(String name) {
        for (Session s : List.copyOf(sessions)) {
            if (s.vhost().name().equals(name)) {
                s.close();
            }
        }
        command(() -> vhosts.containsKey(name) ? List.of(new VhostRemoved(name)) : List.of());
    }

    /**
     * Opens a session (a client connection) on a vhost. Its publishes wait while a resource alarm is on (unless made on
     * a broker thread, such as in a {@link DeliveryHandler}, which must never wait for consumers to drain).
     *
     * @throws BrokerException {@code NOT_FOUND} when there is no such vhost
     */
    public Session connect(String vhost, String clientName) {
        return connect(vhost, clientName, true);
    }

    /**
     * Opens a session on a vhost; with {@code waitOnAlarm} false its publishes never wait: a protocol module that
     * watches {@link #alarms()} stops reading from its publishing clients instead.
     */
    public Session connect(String vhost, String clientName, boolean waitOnAlarm) {
        ensureOpen();
        VirtualHost v = vhosts.get(vhost);
        if (v == null) {
            throw new BrokerException(ErrorCode.NOT_FOUND, "no vhost '" + vhost + "'");
        }
        Session s = new Session(this, v, clientName, waitOnAlarm);
        sessions.add(s);
        return s;
    }

    void sessionClosed(Session session) {
        sessions.remove(session);
    }

    // ------------------------------------------------------------------ definitions

    Object definitionsLock() {
        return definitionsLock;
    }

    /**
     * Runs a definitions command: under the definitions lock, {@code check} validates against the current state and
     * yields records; the durable ones are appended to the definitions log and awaited; then every record is replayed.
     * Returns the records applied.
     */
    List<DefinitionRecord> command(Supplier<List<DefinitionRecord>> check) {
        synchronized (definitionsLock) {
            ensureOpen();
            List<DefinitionRecord> records = check.get();
            if (records.isEmpty()) {
                return records;
            }
            List<DefinitionRecord> durable = new ArrayList<>(records.size());
            for (DefinitionRecord r : records) {
                if (isPersisted(r)) {
                    durable.add(r);
                }
            }
            if (!durable.isEmpty()) {
                try {
                    await(definitions.append(durable));
                } catch (StorageException e) {
                    throw new BrokerException(ErrorCode.STORAGE_FAILED, "definitions not stored: " + e.getMessage(), e);
                }
            }
            for (DefinitionRecord r : records) {
                replay(r);
            }
            if (definitions.snapshotDue()) {
                try {
                    definitions.snapshot(durableState());
                } catch (RuntimeException e) {
                    // the command itself is durable and applied; without a snapshot the log only grows longer
                    LOG.error("Snapshot of the definitions failed: {}", e.getMessage(), e);
                }
            }
            return records;
        }
    }

    private boolean isPersisted(DefinitionRecord r) {
        return switch (r) {
            case VhostAdded v -> true;
            case VhostRemoved v -> true;
            default -> {
                VirtualHost v = vhosts.get(r.vhost());
                yield v != null && v.isPersisted(r);
            }
        };
    }

    /** Applies one record; the only way definitions change, live and at recovery. */
    private void replay(DefinitionRecord r) {
        switch (r) {
            case VhostAdded v -> vhosts.putIfAbsent(v.vhost(), new VirtualHost(v.vhost(), this));
            case VhostRemoved v -> {
                VirtualHost gone = vhosts.remove(v.vhost());
                if (gone != null) {
                    gone.replay(v);
                }
            }
            default -> {
                VirtualHost v = vhosts.get(r.vhost());
                if (v == null) {
                    throw new IllegalStateException("definitions refer to a missing vhost: " + r);
                }
                v.replay(r);
            }
        }
    }

    private List<DefinitionRecord> durableState() {
        List<DefinitionRecord> state = new ArrayList<>();
        for (VirtualHost v : vhosts.values()) {
            v.durableState(state);
        }
        return state;
    }

    Queue openQueue(QueueDefinition definition, VirtualHost vhost) {
        return Queue.open(
                definition,
                store,
                pool,
                cache,
                config.clock(),
                q -> admin.execute(() -> {
                    try {
                        vhost.deleteQueueIfCurrent(q);
                    } catch (BrokerException e) {
                        LOG.warn("Auto-delete of {} failed: {}", q, e.getMessage());
                    }
                }));
    }

    /** A storage id no queue has had: 16 random hex digits. */
    String newStorageId() {
        return String.format("%016x", random.nextLong());
    }

    /** A server-chosen name, such as RabbitMQ's {@code amq.gen-} queue names and {@code amq.ctag-} consumer tags. */
    String generateName(String prefix) {
        StringBuilder sb = new StringBuilder(prefix.length() + 22).append(prefix);
        for (int i = 0; i < 22; i++) {
            sb.append(NAME_CHARS[random.nextInt(NAME_CHARS.length)]);
        }
        return sb.toString();
    }

    /** Waits for a broker-internal future, unwrapping its failure. */
    static <T> T await(CompletableFuture<T> future) {
        try {
            return future.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw e;
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new BrokerException(ErrorCode.CLOSED, "the broker is closed");
        }
    }

    public BrokerConfig config() {
        return config;
    }

    /** The memory and disk alarms that block publishers. */
    public ResourceAlarms alarms() {
        return alarms;
    }

    /** Whether the calling thread is one of the broker's own (which must never wait for publishing to open). */
    static boolean onBrokerThread() {
        return Thread.currentThread() instanceof BrokerThread;
    }

    /** The heap now holding message bodies, across all queues. */
    public long cachedMessageBytes() {
        return cache.usedBytes();
    }

    /**
     * Stops the broker cleanly: sessions close (unacknowledged messages return to their queues), queues persist their
     * cursors and close their logs, the definitions log closes. Idempotent.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        for (Session s : List.copyOf(sessions)) {
            try {
                s.close();
            } catch (RuntimeException e) {
                LOG.warn("Closing {} failed: {}", s, e.getMessage());
            }
        }
        synchronized (definitionsLock) {
            closed = true;
        }
        List<CompletableFuture<Void>> closing = new ArrayList<>();
        for (VirtualHost v : vhosts.values()) {
            for (Queue q : v.queues()) {
                closing.add(q.close());
            }
        }
        for (CompletableFuture<Void> f : closing) {
            try {
                f.join();
            } catch (CompletionException e) {
                LOG.warn("A queue failed to close: {}", e.getCause().getMessage());
            }
        }
        definitions.close();
        store.close();
        alarmTimer.shutdownNow();
        pool.shutdown();
        admin.shutdown();
        definitionsCompletions.shutdown();
        try {
            pool.awaitTermination(10, TimeUnit.SECONDS);
            admin.awaitTermination(10, TimeUnit.SECONDS);
            definitionsCompletions.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new BrokerThread(r, prefix + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /** The type of every thread the broker runs, so that it can tell its own threads from its callers'. */
    private static final class BrokerThread extends Thread {
        BrokerThread(Runnable task, String name) {
            super(task, name);
        }
    }
}
