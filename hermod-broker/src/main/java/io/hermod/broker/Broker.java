package io.hermod.broker;

import io.hermod.broker.definitions.DefinitionRecord;
import io.hermod.broker.definitions.DefinitionRecord.AccessRecord;
import io.hermod.broker.definitions.DefinitionRecord.PermissionRemoved;
import io.hermod.broker.definitions.DefinitionRecord.PermissionSet;
import io.hermod.broker.definitions.DefinitionRecord.UserAdded;
import io.hermod.broker.definitions.DefinitionRecord.UserRemoved;
import io.hermod.broker.definitions.DefinitionRecord.VhostAdded;
import io.hermod.broker.definitions.DefinitionRecord.VhostRecord;
import io.hermod.broker.definitions.DefinitionRecord.VhostRemoved;
import io.hermod.broker.definitions.DefinitionsLog;
import io.hermod.broker.definitions.ExchangeDefinition;
import io.hermod.broker.definitions.PasswordHash;
import io.hermod.broker.definitions.PermissionDefinition;
import io.hermod.broker.definitions.PolicyDefinition;
import io.hermod.broker.definitions.QueueDefinition;
import io.hermod.broker.definitions.UserDefinition;
import io.hermod.broker.delay.DelayHost;
import io.hermod.broker.delay.DelayStore;
import io.hermod.broker.queue.DeadLetterReason;
import io.hermod.broker.queue.MessageCache;
import io.hermod.broker.queue.Queue;
import io.hermod.broker.queue.QueueHost;
import io.hermod.broker.queue.QueueStats;
import io.hermod.broker.queue.SerialExecutor;
import io.hermod.broker.queue.StoredMessage;
import io.hermod.storage.Durability;
import io.hermod.storage.LogConfig;
import io.hermod.storage.LogStore;
import io.hermod.storage.LogStoreConfig;
import io.hermod.storage.StorageException;
import io.hermod.storage.StorageFileSystem;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
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
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The broker: virtual hosts over one data directory, its users and their permissions, the definitions log that makes
 * their durable definitions survive restarts, and the threads that run queues. Protocol modules authenticate a client
 * ({@link #authenticate}) and open a {@link Session} per client connection as its user, and a {@link Channel} per
 * channel, and do everything through those; embedded users open trusted sessions ({@link #connect(String, String)}).
 *
 * <p>{@link #open} recovers: it replays the definitions log (STYLE.md rule 8), reopens every durable queue with its
 * cursor (confirmed persistent messages come back, those handed out before flagged redelivered) and deletes what
 * transient queues left behind. A broker opened on an empty data directory starts as RabbitMQ does: a vhost {@code /}
 * and a user {@code guest}, password {@code guest}, tagged {@code administrator}, with every permission on {@code /} —
 * and, as a loopback user ({@link BrokerConfig#loopbackUsers()}), unable to log in from another machine.
 *
 * <p>Threading: thread-safe. Definition changes are serialised by one lock (the definitions writer) and return once
 * durable; queues run on a shared pool; confirms complete on that pool.
 */
public final class Broker implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Broker.class);
    static final String DEFAULT_VHOST = "/";
    static final String DEFAULT_USER = "guest";
    private static final String DEFAULT_PASSWORD = "guest";
    private static final String ALL = ".*";
    private static final long TICK_MILLIS = 1000;
    private static final String DEFINITIONS_LOG = "definitions";
    private static final char[] NAME_CHARS =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".toCharArray();

    private final BrokerConfig config;
    private final LogStore store;
    private final ExecutorService pool;
    private final ExecutorService admin;
    private final ExecutorService definitionsCompletions;
    private final ScheduledExecutorService ticker;
    private final ResourceAlarms alarms;
    private final CpuPressure cpu;
    private final MessageCache cache;
    private final DefinitionsLog definitions;
    private final AccessControl access;
    private final ConcurrentHashMap<String, VirtualHost> vhosts = new ConcurrentHashMap<>();
    private final Set<Session> sessions = ConcurrentHashMap.newKeySet();
    private final Object definitionsLock = new Object();
    // the storage deletions of the command being applied (under the definitions lock); null outside commands
    private List<CompletableFuture<Void>> commandDeletions;
    // storage deletions not finished yet, which close waits for before it closes the store
    private final Set<CompletableFuture<Void>> deletionsUnderWay = ConcurrentHashMap.newKeySet();
    private final SecureRandom random = new SecureRandom();
    private volatile boolean closed;
    private volatile boolean recovered; // definitions replayed: delay stores may release
    private volatile PropertiesFormat propertiesFormat = PropertiesFormat.OPAQUE;

    private Broker(BrokerConfig config, ResourceAlarms alarms, StorageFileSystem fileSystem) {
        this.config = config;
        this.alarms = alarms;
        this.cpu = CpuPressure.forJvm(config.pacingCpuLoad());
        this.access = new AccessControl(config.loopbackUsers());
        this.pool = Executors.newFixedThreadPool(config.threads(), daemonThreads("hermod-queue-"));
        this.admin = Executors.newSingleThreadExecutor(daemonThreads("hermod-admin-"));
        // its own thread: a command waits for its append while holding the definitions lock, so the completion must
        // not depend on a thread that might itself be waiting for that lock (a queue thread, the admin thread)
        this.definitionsCompletions = Executors.newSingleThreadExecutor(daemonThreads("hermod-definitions-"));
        this.cache = new MessageCache(config.messageCacheBytes(), config.queueCacheBytes());
        this.ticker = Executors.newSingleThreadScheduledExecutor(daemonThreads("hermod-tick-"));
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
            ticker.shutdownNow();
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

    /**
     * Opens a broker whose resource alarms measure what {@code alarms} is given. A test seam: protocol modules' tests
     * drive memory and disk alarms with it (AMQP connection.blocked); production code uses {@link #open(BrokerConfig)}.
     */
    public static Broker open(BrokerConfig config, ResourceAlarms alarms) {
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
            broker.ticker.scheduleWithFixedDelay(broker::tick, 0, TICK_MILLIS, TimeUnit.MILLISECONDS);
            broker.ticker.scheduleWithFixedDelay(broker::checkCpu, 0, CpuPressure.CHECK_MILLIS, TimeUnit.MILLISECONDS);
            return broker;
        } catch (RuntimeException e) {
            broker.close();
            throw e instanceof StorageException se
                    ? new BrokerException(ErrorCode.STORAGE_FAILED, "recovery failed: " + se.getMessage(), se)
                    : e;
        }
    }

    /** The broker's once-a-second work: resource alarms, consumer timeouts, queue and message expiry. */
    private void tick() {
        try {
            alarms.check();
        } catch (RuntimeException e) {
            LOG.warn("Checking the resource alarms failed", e);
        }
        try {
            checkConsumerTimeouts();
        } catch (RuntimeException e) {
            LOG.warn("Checking the consumer timeouts failed", e);
        }
        try {
            expire();
        } catch (RuntimeException e) {
            LOG.warn("Deleting expired queues failed", e);
        }
    }

    /** Measures the CPU load for publisher pacing and the metrics, every {@link CpuPressure#CHECK_MILLIS} ms. */
    private void checkCpu() {
        try {
            cpu.check();
        } catch (RuntimeException e) {
            LOG.warn("Measuring the CPU load failed", e);
        }
    }

    /**
     * Deletes the queues unused for longer than their {@code x-expires} and drops expired messages (x-message-ttl);
     * runs in the broker's once-a-second tick.
     */
    void expire() {
        long now = config.clock().millis();
        for (VirtualHost v : vhosts.values()) {
            v.expire(now);
        }
    }

    /**
     * Closes every channel holding a delivery unacknowledged for longer than the consumer timeout: its queue's ({@code
     * x-consumer-timeout} or policy {@code consumer-timeout}), else the broker's (RabbitMQ's {@code consumer_timeout},
     * which may be off while a queue's is not); runs in the broker's once-a-second tick.
     */
    void checkConsumerTimeouts() {
        long timeout = config.consumerTimeout().toMillis();
        long now = config.clock().millis();
        for (Session s : sessions) {
            s.closeTimedOutChannels(now, timeout);
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
            // a blank broker, as a blank RabbitMQ node (rabbit_vhost:add_default / rabbit_auth_backend_internal)
            UserDefinition guest =
                    new UserDefinition(DEFAULT_USER, PasswordHash.of(DEFAULT_PASSWORD), List.of("administrator"));
            command(() -> List.of(
                    new VhostAdded(DEFAULT_VHOST),
                    new UserAdded(guest),
                    new PermissionSet(new PermissionDefinition(DEFAULT_VHOST, DEFAULT_USER, ALL, ALL, ALL))));
        }
        deleteLeftoverLogs();
        recovered = true;
        for (VirtualHost v : vhosts.values()) {
            v.delayStores().forEach(DelayStore::start); // what fell due while the broker was down goes out now
            // messages that expired meanwhile are dead-lettered now that their dead-letter exchanges are back
            v.queues().forEach(Queue::startTimer);
        }
        LOG.info(
                "Broker recovered {} vhosts and {} queues from {} in {} ms",
                vhosts.size(),
                vhosts.values().stream().mapToInt(v -> v.queues().size()).sum(),
                config.dataDirectory(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
    }

    /**
     * Removes the logs of queues and exchanges that are no longer defined: transient queues of the last run, half-done
     * deletes.
     */
    private void deleteLeftoverLogs() {
        Set<String> live = new HashSet<>();
        live.add(DEFINITIONS_LOG);
        for (VirtualHost v : vhosts.values()) {
            for (Queue q : v.queues()) {
                live.add(Queue.logName(q.definition()));
                live.add(Queue.cursorLogName(q.definition()));
                live.add(Queue.dedupLogName(q.definition()));
            }
            for (String exchange : v.exchangeNames()) {
                live.add(Exchange.dedupLogName(v.name(), exchange));
                String log = DelayStore.logName(v.name(), exchange);
                live.add(log);
                live.add(DelayStore.releasedLogName(log));
            }
        }
        LogConfig scratch = LogConfig.builder().durability(Durability.OS).build();
        for (String name : store.storedLogNames()) {
            if (!live.contains(name)
                    && (name.startsWith("q-") || name.startsWith("x"))) { // x-: delay stores, xd-: windows
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
     * Opens a trusted session (the embedding application's own connection) on a vhost: it acts as
     * {@value Session#INTERNAL_USER}, a user that needs no password and passes every permission check, as RabbitMQ's
     * internal direct connections do. Its publishes wait while a resource alarm is on (unless made on a broker thread,
     * such as in a {@link DeliveryHandler}, which must never wait for consumers to drain).
     *
     * @throws BrokerException {@code NOT_FOUND} when there is no such vhost
     */
    public Session connect(String vhost, String clientName) {
        ensureOpen();
        VirtualHost v = vhosts.get(vhost);
        if (v == null) {
            throw new BrokerException(ErrorCode.NOT_FOUND, "no vhost '" + vhost + "'");
        }
        return register(new Session(this, v, clientName, Session.INTERNAL_USER, true, true));
    }

    /**
     * Opens a session on a vhost for a client that logged in as {@code user} ({@link #authenticate}); every operation
     * of its channels is checked against the user's permissions in the vhost. With {@code waitOnAlarm} false its
     * publishes never wait: a protocol module that watches {@link #alarms()} stops reading from its publishing clients
     * instead.
     *
     * @throws BrokerException {@code ACCESS_REFUSED} "access to vhost 'v' refused for user 'u'" when the user has no
     *     permissions there, or there is no such vhost (as RabbitMQ, which does not tell the two apart)
     */
    public Session connect(String vhost, String clientName, String user, boolean waitOnAlarm) {
        ensureOpen();
        VirtualHost v = vhosts.get(vhost);
        if (v == null || !access.hasPermissions(vhost, user)) {
            throw AccessControl.vhostRefused(vhost, user);
        }
        return register(new Session(this, v, clientName, user, false, waitOnAlarm));
    }

    private Session register(Session s) {
        sessions.add(s);
        return s;
    }

    // ------------------------------------------------------------------ users and permissions

    /**
     * The user whose name and password these are, if it may log in from where it connects: a blank password is always
     * refused, and a loopback user ({@link BrokerConfig#loopbackUsers()}, {@code guest} by default) only connects from
     * a loopback address. Unknown users take as long as wrong passwords.
     *
     * @param loopback whether the client connects from a loopback address
     */
    public Optional<String> authenticate(String user, byte[] password, boolean loopback) {
        return access.authenticate(user, password, loopback);
    }

    /** {@link #authenticate(String, byte[], boolean)} with the password's UTF-8 bytes. */
    public Optional<String> authenticate(String user, String password, boolean loopback) {
        return authenticate(user, password.getBytes(StandardCharsets.UTF_8), loopback);
    }

    /**
     * Creates a user, or replaces the password and tags of the one of that name (its permissions stay), as RabbitMQ's
     * HTTP API {@code PUT /api/users/{name}}. The password is stored as a salted hash ({@link PasswordHash}); a new user
     * has no permissions, so it cannot connect until {@link #setPermissions} gives it some.
     *
     * @throws BrokerException {@code PRECONDITION_FAILED} for an empty name
     */
    public void addUser(String name, String password, Collection<String> tags) {
        addUser(name, PasswordHash.of(password), tags);
    }

    /**
     * {@link #addUser(String, String, Collection)} with the password already hashed, as definitions files carry it
     * ({@code password_hash}; see {@link PasswordHash#fromBase64}).
     */
    public void addUser(String name, PasswordHash passwordHash, Collection<String> tags) {
        if (name.isEmpty()) {
            throw new BrokerException(ErrorCode.PRECONDITION_FAILED, "a user name must not be empty");
        }
        UserDefinition user = new UserDefinition(name, passwordHash, List.copyOf(tags));
        command(() -> List.of(new UserAdded(user)));
    }

    /**
     * Deletes a user with its permissions, and closes its sessions (as RabbitMQ closes a deleted user's connections).
     * No-op if there is no such user.
     */
    public void deleteUser(String name) {
        command(() -> access.hasUser(name) ? List.of(new UserRemoved(name)) : List.of());
        for (Session s : List.copyOf(sessions)) {
            if (!s.trusted() && s.user().equals(name)) {
                s.close();
            }
        }
    }

    /**
     * Sets a user's permissions in a vhost, replacing those it had there: three regular expressions matched anywhere in
     * the names of exchanges and queues ({@code ""} matches nothing, {@code ".*"} everything), as RabbitMQ's
     * {@code set_permissions}. Open sessions see the change at their next operation.
     *
     * @throws BrokerException {@code NOT_FOUND} when the vhost or the user does not exist; {@code PRECONDITION_FAILED}
     *     when a pattern is not a regular expression
     */
    public void setPermissions(String vhost, String user, String configure, String write, String read) {
        AccessControl.validatePattern("configure", configure);
        AccessControl.validatePattern("write", write);
        AccessControl.validatePattern("read", read);
        PermissionDefinition permission = new PermissionDefinition(vhost, user, configure, write, read);
        command(() -> {
            if (!vhosts.containsKey(vhost)) {
                throw new BrokerException(ErrorCode.NOT_FOUND, "no vhost '" + vhost + "'");
            }
            if (!access.hasUser(user)) {
                throw new BrokerException(ErrorCode.NOT_FOUND, "no user '" + user + "'");
            }
            return List.of(new PermissionSet(permission));
        });
    }

    /**
     * Removes a user's permissions in a vhost: it can no longer connect there, and its open sessions there are refused
     * every operation from now on. No-op if it had none.
     */
    public void clearPermissions(String vhost, String user) {
        command(() -> access.hasPermissions(vhost, user) ? List.of(new PermissionRemoved(vhost, user)) : List.of());
    }

    /** The users, by name. */
    public List<UserDefinition> users() {
        return access.users();
    }

    /** Every user's permissions in every vhost, by vhost then user. */
    public List<PermissionDefinition> permissions() {
        return access.permissions();
    }

    AccessControl access() {
        return access;
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
        Applied applied = apply(check);
        await(applied.storageDeleted()); // outside the lock: each deleted queue's executor must get to it
        return applied.records();
    }

    /**
     * {@link #command} that does not wait for the storage of the queues it deletes: the future completes when it is
     * gone. What waits for a queue's executor must not hold the definitions lock: under load that wait is long, and
     * every declare, delete and session close of the broker would queue behind it (1,500 auto-delete queues of a
     * closing channel, deleted one after another under the lock, took 150 s while publishers kept their queues
     * busy).
     */
    CompletableFuture<Void> commandAsync(Supplier<List<DefinitionRecord>> check) {
        return apply(check).storageDeleted();
    }

    /** The records a command applied, and its deleted queues' storage going. */
    private record Applied(List<DefinitionRecord> records, CompletableFuture<Void> storageDeleted) {}

    private Applied apply(Supplier<List<DefinitionRecord>> check) {
        synchronized (definitionsLock) {
            List<CompletableFuture<Void>> outer = commandDeletions;
            commandDeletions = new ArrayList<>();
            try {
                List<DefinitionRecord> records = applyLocked(check);
                return new Applied(
                        records, CompletableFuture.allOf(commandDeletions.toArray(CompletableFuture<?>[]::new)));
            } finally {
                commandDeletions = outer;
            }
        }
    }

    /**
     * A queue removed from the definitions (under the definitions lock) is deleting its storage: a command's caller
     * waits for it once the lock is released; recovery, which replays outside commands, waits now, so that the
     * removal of leftover logs that follows does not race it. A failure is logged: the definitions already say the
     * queue is gone, and what is left of its files goes at the next start.
     */
    void deleting(Queue q, CompletableFuture<Long> deletion) {
        CompletableFuture<Void> gone = deletion.handle((count, e) -> {
            if (e != null) {
                LOG.warn("Deleting the storage of {} failed: {}", q, e.getMessage());
            }
            return null;
        });
        if (commandDeletions == null) {
            beforeWaiting();
            gone.join();
            return;
        }
        commandDeletions.add(gone);
        deletionsUnderWay.add(gone);
        gone.whenComplete((r, e) -> deletionsUnderWay.remove(gone));
    }

    /** A command's check and records, under the definitions lock. */
    private List<DefinitionRecord> applyLocked(Supplier<List<DefinitionRecord>> check) {
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

    private boolean isPersisted(DefinitionRecord r) {
        return switch (r) {
            case VhostAdded v -> true;
            case VhostRemoved v -> true;
            case VhostRecord v -> {
                VirtualHost vhost = vhosts.get(v.vhost());
                yield vhost != null && vhost.isPersisted(v);
            }
            case AccessRecord a -> true; // users and permissions are durable, as RabbitMQ's
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
                access.vhostRemoved(v.vhost());
            }
            case VhostRecord v -> {
                VirtualHost vhost = vhosts.get(v.vhost());
                if (vhost == null) {
                    throw new IllegalStateException("definitions refer to a missing vhost: " + r);
                }
                vhost.replay(v);
            }
            case PermissionSet p -> {
                if (!vhosts.containsKey(p.permission().vhost())) {
                    throw new IllegalStateException("definitions refer to a missing vhost: " + r);
                }
                access.replay(p);
            }
            case AccessRecord a -> access.replay(a);
        }
    }

    /** Every durable definition as records that rebuild it: vhosts with their contents, then users and permissions. */
    private List<DefinitionRecord> durableState() {
        List<DefinitionRecord> state = new ArrayList<>();
        for (VirtualHost v : vhosts.values()) {
            v.durableState(state);
        }
        access.durableState(state);
        return state;
    }

    Queue openQueue(QueueDefinition definition, VirtualHost vhost) {
        QueueStats stats = new QueueStats();
        return Queue.open(
                definition,
                store,
                pool,
                cache,
                config.clock(),
                config.queueDurability(),
                config.queueFlushInterval().toMillis(),
                q -> CompletableFuture.supplyAsync(
                                () -> {
                                    try {
                                        return vhost.deleteQueueIfCurrent(q);
                                    } catch (BrokerException e) {
                                        LOG.warn("Deleting unused {} failed: {}", q, e.getMessage());
                                        return CompletableFuture.<Void>completedFuture(null);
                                    }
                                },
                                admin)
                        .thenCompose(Function.identity()),
                new QueueHost() {
                    @Override
                    public Map<String, Object> effectiveArguments(QueueDefinition d) {
                        return vhost.effectiveArguments(d);
                    }

                    @Override
                    public void deadLetter(
                            QueueDefinition source, StoredMessage message, DeadLetterReason reason, Runnable done) {
                        vhost.deadLetter(source, message, reason, done);
                    }

                    @Override
                    public PropertiesFormat propertiesFormat() {
                        return propertiesFormat;
                    }

                    @Override
                    public void schedule(Runnable task, long delayMillis) {
                        onTicker(task, delayMillis);
                    }

                    @Override
                    public boolean cpuSaturated() {
                        return cpu.saturated();
                    }

                    @Override
                    public QueueStats stats() {
                        return stats;
                    }
                });
    }

    /** Whether recovery is over (delay stores opened later start releasing at once). */
    boolean recovered() {
        return recovered;
    }

    /** Opens the delay store of a delayed exchange ({@code x-delayed-message}), recovering its pending messages. */
    DelayStore openDelayStore(ExchangeDefinition definition, VirtualHost vhost) {
        return DelayStore.open(
                "delayed exchange '" + definition.name() + "' in vhost '" + definition.vhost() + "'",
                DelayStore.logName(definition.vhost(), definition.name()),
                definition.durable(),
                store,
                pool,
                config.clock(),
                config.queueDurability(),
                config.queueFlushInterval().toMillis(),
                new DelayHost() {
                    @Override
                    public void route(Message message, io.hermod.broker.queue.EnqueueCallback done) {
                        vhost.routeDue(definition, message, done);
                    }

                    @Override
                    public PropertiesFormat propertiesFormat() {
                        return propertiesFormat;
                    }

                    @Override
                    public void schedule(Runnable task, long delayMillis) {
                        onTicker(task, delayMillis);
                    }
                });
    }

    /** Runs a queue's or a delay store's timer task on the ticker; nothing once the broker is closing. */
    private void onTicker(Runnable task, long delayMillis) {
        try {
            ticker.schedule(task, delayMillis, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // the broker is closing: the queue or store goes with it
        }
    }

    /**
     * Refuses a new queue once the broker holds {@link BrokerConfig#maxQueues()} of them, over all vhosts, as RabbitMQ's
     * {@code cluster_queue_limit} does (PRECONDITION_FAILED). Under the definitions lock, from a declare's check.
     */
    void checkQueueLimit(String queueName) {
        int limit = config.maxQueues();
        if (limit == BrokerConfig.NO_QUEUE_LIMIT) {
            return;
        }
        int count = 0;
        for (VirtualHost v : vhosts.values()) {
            count += v.queues().size();
        }
        if (count >= limit) {
            throw new BrokerException(
                    ErrorCode.PRECONDITION_FAILED,
                    "cannot declare queue '" + queueName + "': queue limit of the broker (" + limit + ") is reached");
        }
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

    /** The CPU load up to which a thread that deferred queue work runs it itself ({@link #runDeferredQueueWork}). */
    static final double RUN_HERE_MAX_CPU_LOAD = 0.75;

    /**
     * Defers the runs of the queues this thread publishes to, settles on or otherwise wakes from now on until it calls
     * {@link #runDeferredQueueWork}, which under light load runs them on this thread instead of the broker's queue
     * pool: for a protocol's event loop, which reads a burst of commands off a socket and then, in one go, appends each
     * queue's publishes and writes their deliveries (without a handoff to a queue thread and back, one wake-up and its
     * scheduling delay less per message). Call it for each unit of input (a frame): the size of the burst counts.
     * The caller must call {@link #runDeferredQueueWork} soon after, on this thread (an event loop: in a task it
     * submits to itself), and must not wait for that work meanwhile (join a publish's result): the broker's own
     * commands that wait for a queue run the deferred work first, so none waits for itself. Returns whether this call
     * started deferring (false: the thread already defers).
     */
    public boolean deferQueueWork() {
        return SerialExecutor.deferRuns();
    }

    /**
     * Stops deferring and starts the queue work this thread deferred ({@link #deferQueueWork}): here while the CPU has
     * room (a load under {@value #RUN_HERE_MAX_CPU_LOAD} over the last second) and the burst was small, where sparing a
     * handoff is worth most; on the queue pool otherwise, where queues run in parallel on the other cores and a busy
     * queue takes its publishes in larger batches.
     */
    public void runDeferredQueueWork() {
        double load = cpu.load(); // negative until measured: nothing says the CPU is busy
        SerialExecutor.runDeferred(load < RUN_HERE_MAX_CPU_LOAD);
    }

    /**
     * Before the calling thread waits for the broker: starts the queue work it deferred ({@link #deferQueueWork}),
     * which may be what it is about to wait for.
     */
    static void beforeWaiting() {
        SerialExecutor.runDeferred(true);
    }

    /** Waits for a broker-internal future, unwrapping its failure. */
    static <T> T await(CompletableFuture<T> future) {
        beforeWaiting();
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

    /**
     * Tells the broker how message properties are encoded (see {@link PropertiesFormat}); a protocol server calls this
     * when it starts. Until then dead-lettered and redelivered messages keep their properties as they are.
     */
    public void usePropertiesFormat(PropertiesFormat format) {
        this.propertiesFormat = java.util.Objects.requireNonNull(format, "format");
    }

    PropertiesFormat propertiesFormat() {
        return propertiesFormat;
    }

    /**
     * Sets a policy (or, with {@code operator}, an operator policy) in a vhost, as RabbitMQ's {@code set_policy}: the
     * arguments of its {@code definition} (keys without {@code x-}) apply to the queues whose names match {@code
     * pattern}, existing and future, at once.
     *
     * @throws BrokerException {@code NOT_FOUND} for an unknown vhost, {@code PRECONDITION_FAILED} for a bad policy
     */
    public void setPolicy(PolicyDefinition policy) {
        requireVhost(policy.vhost()).setPolicy(policy);
    }

    /** Clears a policy or operator policy; clearing one that is not there succeeds. */
    public void clearPolicy(String vhost, String name, boolean operator) {
        requireVhost(vhost).clearPolicy(name, operator);
    }

    private VirtualHost requireVhost(String name) {
        VirtualHost v = vhosts.get(name);
        if (v == null) {
            throw new BrokerException(ErrorCode.NOT_FOUND, "no vhost '" + name + "'");
        }
        return v;
    }

    /** The log store every queue and window lives in. */
    LogStore store() {
        return store;
    }

    /** The memory and disk alarms that block publishers. */
    public ResourceAlarms alarms() {
        return alarms;
    }

    /** Whether the CPU is saturated, which paces publishers of queues whose consumers fall behind. */
    public CpuPressure cpuPressure() {
        return cpu;
    }

    /** Whether the calling thread is one of the broker's own (which must never wait for publishing to open). */
    static boolean onBrokerThread() {
        // a protocol's event loop running queue work it deferred (deferQueueWork) counts while it does
        return Thread.currentThread() instanceof BrokerThread || SerialExecutor.runningDeferred();
    }

    /** How long the storage's fsyncs (group commits) took, in nanoseconds, for metrics. */
    public io.hermod.storage.LatencyHistogram fsyncLatency() {
        return store.fsyncLatency();
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
        beforeWaiting();
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
        // delay stores first: the messages they are routing reach queues still open, and are marked released
        List<CompletableFuture<Void>> stores = new ArrayList<>();
        for (VirtualHost v : vhosts.values()) {
            for (DelayStore d : v.delayStores()) {
                stores.add(d.close());
            }
        }
        for (CompletableFuture<Void> f : stores) {
            try {
                f.get(10, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                LOG.warn("A delay store failed to close: {}", e.toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        List<CompletableFuture<Void>> closing = new ArrayList<>(deletionsUnderWay);
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
        for (VirtualHost v : vhosts.values()) {
            v.closeExchanges();
        }
        definitions.close();
        store.close();
        ticker.shutdownNow();
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
