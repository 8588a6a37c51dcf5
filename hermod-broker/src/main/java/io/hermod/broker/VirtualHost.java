package io.hermod.broker;

import io.hermod.broker.dedup.Deduplication;
import io.hermod.broker.definitions.Arguments;
import io.hermod.broker.definitions.BindingDefinition;
import io.hermod.broker.definitions.BindingDefinition.DestinationKind;
import io.hermod.broker.definitions.DefinitionRecord;
import io.hermod.broker.definitions.DefinitionRecord.BindingAdded;
import io.hermod.broker.definitions.DefinitionRecord.BindingRemoved;
import io.hermod.broker.definitions.DefinitionRecord.ExchangeAdded;
import io.hermod.broker.definitions.DefinitionRecord.ExchangeRemoved;
import io.hermod.broker.definitions.DefinitionRecord.PolicyRemoved;
import io.hermod.broker.definitions.DefinitionRecord.PolicySet;
import io.hermod.broker.definitions.DefinitionRecord.QueueAdded;
import io.hermod.broker.definitions.DefinitionRecord.QueueRemoved;
import io.hermod.broker.definitions.DefinitionRecord.VhostAdded;
import io.hermod.broker.definitions.DefinitionRecord.VhostRecord;
import io.hermod.broker.definitions.DefinitionRecord.VhostRemoved;
import io.hermod.broker.definitions.ExchangeDefinition;
import io.hermod.broker.definitions.PolicyDefinition;
import io.hermod.broker.definitions.QueueDefinition;
import io.hermod.broker.delay.DelayStore;
import io.hermod.broker.exchange.DelayedMessageType;
import io.hermod.broker.exchange.ExchangeType;
import io.hermod.broker.queue.DeadLetterReason;
import io.hermod.broker.queue.EnqueueCallback;
import io.hermod.broker.queue.Queue;
import io.hermod.broker.queue.QueueArguments;
import io.hermod.broker.queue.QueuePolicies;
import io.hermod.broker.queue.QueueStats;
import io.hermod.broker.queue.RetryBackoff;
import io.hermod.broker.queue.StoredMessage;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A virtual host: its exchanges, queues and bindings, the rules that check every change to them (RabbitMQ's, reply
 * for reply, with the permission checks of {@link AccessControl} where rabbit_channel makes them) and the routing of
 * published messages.
 *
 * <p>State changes follow STYLE.md rule 8: a command checks, yields {@link DefinitionRecord}s, the broker makes the
 * durable ones durable, and {@link #replay} applies them; replay is the only mutator, live and at recovery.
 *
 * <p>Threading: commands and replay run under the broker's definitions lock (one writer). Routing and lookups read
 * concurrent maps and the routers' copy-on-write state without locks, from any thread.
 */
public final class VirtualHost {

    private static final Logger LOG = LoggerFactory.getLogger(VirtualHost.class);

    /** The exchanges every vhost has, which cannot be declared anew or deleted. */
    static final Map<String, ExchangeType> PREDECLARED = Map.of(
            "amq.direct", ExchangeType.DIRECT,
            "amq.fanout", ExchangeType.FANOUT,
            "amq.topic", ExchangeType.TOPIC,
            "amq.headers", ExchangeType.HEADERS,
            "amq.match", ExchangeType.HEADERS);

    /** Queue arguments whose values must match on a re-declare (RabbitMQ's equivalence list, but the queue type). */
    private static final List<String> EQUIVALENT_QUEUE_ARGUMENTS = List.of(
            "x-expires",
            "x-message-ttl",
            "x-max-length",
            "x-max-length-bytes",
            "x-max-priority",
            "x-overflow",
            "x-dead-letter-exchange",
            "x-dead-letter-routing-key",
            "x-single-active-consumer",
            "x-delivery-limit",
            RetryBackoff.DELAY,
            RetryBackoff.MULTIPLIER,
            RetryBackoff.MAX_DELAY,
            RetryBackoff.JITTER,
            Deduplication.ENABLED,
            Deduplication.CACHE_SIZE,
            Deduplication.CACHE_TTL,
            Deduplication.KEY_HEADER);

    /** Exchange arguments of deduplication, which must match on a re-declare. */
    private static final List<String> DEDUP_ARGUMENTS =
            List.of(Deduplication.ENABLED, Deduplication.CACHE_SIZE, Deduplication.CACHE_TTL, Deduplication.KEY_HEADER);

    private final String name;
    private final Broker broker;
    private final ConcurrentHashMap<String, Exchange> exchanges = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Queue> queues = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Session> exclusiveOwners = new ConcurrentHashMap<>();
    // policies and operator policies by kind and name; changed by replay only, read by queues opening and
    // dead-lettering
    private final ConcurrentHashMap<String, PolicyDefinition> policies = new ConcurrentHashMap<>();
    private final QueueStats retired = new QueueStats(); // what deleted queues counted
    // writer-only
    private final Map<String, Set<BindingDefinition>> bindingsBySource = new HashMap<>();
    private final Map<String, Set<BindingDefinition>> bindingsByDestination = new HashMap<>();

    VirtualHost(String name, Broker broker) {
        this.name = name;
        this.broker = broker;
        exchanges.put("", new Exchange(exchangeDefinition("", ExchangeType.DIRECT), ExchangeType.DIRECT));
        PREDECLARED.forEach((n, type) -> exchanges.put(n, new Exchange(exchangeDefinition(n, type), type)));
    }

    private ExchangeDefinition exchangeDefinition(String exchange, ExchangeType type) {
        return new ExchangeDefinition(name, exchange, type.typeName(), true, false, false, Map.of());
    }

    public String name() {
        return name;
    }

    // ------------------------------------------------------------------ exchanges

    ExchangeDefinition declareExchange(ExchangeSpec spec, Session session) {
        broker.command(() -> {
            // the type first, as rabbit_channel does: an unknown type is PRECONDITION_FAILED whatever the name
            // (RabbitMQ
            // 3.13.3 and later, rabbit_exchange:check_type; earlier versions closed the connection with
            // COMMAND_INVALID)
            boolean delayed = DelayedMessageType.NAME.equals(spec.type());
            if (!delayed && ExchangeType.byName(spec.type()).isEmpty()) {
                throw new BrokerException(ErrorCode.PRECONDITION_FAILED, "unknown exchange type '" + spec.type() + "'");
            }
            if (spec.name().isEmpty()) {
                throw defaultExchangeRefused();
            }
            broker.access().exchangeDeclare(session, spec.name());
            Exchange existing = exchanges.get(spec.name());
            if (existing != null) {
                assertEquivalent(existing.definition(), spec);
                return List.of();
            }
            checkName("exchange", spec.name());
            if (spec.arguments().containsKey(Exchange.ALTERNATE_EXCHANGE)
                    && !(spec.arguments().get(Exchange.ALTERNATE_EXCHANGE) instanceof String)) {
                throw new BrokerException(
                        ErrorCode.PRECONDITION_FAILED, "invalid arg 'alternate-exchange' for " + describe(spec.name()));
            }
            if (spec.arguments().get(Exchange.ALTERNATE_EXCHANGE) instanceof String alternate) {
                broker.access().alternateExchange(session, spec.name(), alternate);
            }
            Deduplication.of(spec.arguments(), describe(spec.name()));
            if (delayed) {
                DelayedMessageType.routingType(spec.arguments()); // the plugin's validate/1: x-delayed-type
            }
            return List.of(new ExchangeAdded(new ExchangeDefinition(
                    name,
                    spec.name(),
                    spec.type(),
                    spec.durable(),
                    spec.autoDelete(),
                    spec.internal(),
                    spec.arguments())));
        });
        return exchange(spec.name()).definition();
    }

    ExchangeDefinition exchangeExists(String exchange, Session session) {
        if (exchange.isEmpty()) {
            throw defaultExchangeRefused(); // a passive declare of "" too, as rabbit_channel
        }
        broker.access().exchangeDeclarePassive(session, exchange);
        return exchange(exchange).definition();
    }

    void deleteExchange(String exchange, boolean ifUnused, Session session) {
        broker.command(() -> {
            if (exchange.isEmpty()) {
                throw defaultExchangeRefused();
            }
            // every amq. name, declared or not, as rabbit_channel:check_exchange_deletion
            if (exchange.startsWith("amq.")) {
                throw new BrokerException(
                        ErrorCode.ACCESS_REFUSED, "deletion of system " + describe(exchange) + " is not allowed");
            }
            broker.access().exchangeDelete(session, exchange);
            Exchange x = exchanges.get(exchange);
            if (x == null) {
                return List.of(); // as RabbitMQ: deleting what is not there succeeds
            }
            if (ifUnused && !bindingsBySource.getOrDefault(exchange, Set.of()).isEmpty()) {
                throw new BrokerException(ErrorCode.PRECONDITION_FAILED, describe(exchange) + " in use");
            }
            List<DefinitionRecord> records = new ArrayList<>();
            records.add(new ExchangeRemoved(name, exchange));
            autoDeleteSources(
                    bindingsByDestination.getOrDefault(destinationKey(DestinationKind.EXCHANGE, exchange), Set.of()),
                    records);
            return records;
        });
    }

    private Exchange exchange(String exchange) {
        Exchange x = exchanges.get(exchange);
        if (x == null) {
            throw new BrokerException(ErrorCode.NOT_FOUND, "no " + describe(exchange));
        }
        return x;
    }

    private void assertEquivalent(ExchangeDefinition current, ExchangeSpec spec) {
        String what = describe(spec.name());
        // as RabbitMQ, and as the delayed-message plugin (which leaves x-delayed-type unchecked): type, flags and the
        // alternate exchange
        requireSame("type", current.type(), spec.type(), what);
        requireSame("durable", current.durable(), spec.durable(), what);
        requireSame("auto_delete", current.autoDelete(), spec.autoDelete(), what);
        requireSame("internal", current.internal(), spec.internal(), what);
        requireSameArgument(Exchange.ALTERNATE_EXCHANGE, current.arguments(), spec.arguments(), what);
        for (String argument : DEDUP_ARGUMENTS) {
            requireSameArgument(argument, current.arguments(), spec.arguments(), what);
        }
    }

    // ------------------------------------------------------------------ queues

    QueueInfo declareQueue(QueueSpec spec, Session owner) {
        String queueName = spec.name().isEmpty() ? broker.generateName("amq.gen-") : spec.name();
        // as rabbit_channel: an exclusive queue is never durable, whatever the declare says (it dies with its owner)
        boolean durable = spec.durable() && !spec.exclusive();
        broker.command(() -> {
            if (!spec.name().isEmpty()) {
                // before the lookup, as rabbit_channel: a named declare of an existing amq. queue is refused too
                checkName("queue", queueName);
            }
            broker.access().queueDeclare(owner, queueName); // a server-chosen name is checked too
            Queue existing = queues.get(queueName);
            if (existing != null) {
                checkOwner(queueName, owner);
                assertEquivalent(existing.definition(), spec, durable);
                return List.of();
            }
            if (spec.arguments().get(QueueArguments.DEAD_LETTER_EXCHANGE) instanceof String deadLetterExchange) {
                broker.access().deadLetterExchange(owner, queueName, deadLetterExchange);
            }
            // after the dead-letter exchange's permissions, as rabbit_channel then rabbit_amqqueue:declare; only for a
            // new queue: a re-declare is only compared, and replay never validates (what was declared stays declared)
            QueueArguments.validate(name, queueName, spec.arguments());
            Deduplication.of(spec.arguments(), "queue '" + queueName + "' in vhost '" + name + "'");
            broker.checkQueueLimit(queueName); // after the arguments, as rabbit_amqqueue:declare then the limits
            QueueDefinition definition = new QueueDefinition(
                    name,
                    queueName,
                    broker.newStorageId(),
                    durable,
                    spec.exclusive(),
                    spec.autoDelete(),
                    spec.arguments());
            if (spec.exclusive()) {
                // owned before replay makes the queue visible: no other session may slip in between
                exclusiveOwners.put(queueName, owner);
            }
            return List.of(new QueueAdded(definition));
        });
        if (spec.exclusive() && owner.isClosed()) {
            // the owner closed while this declare ran and may have missed the queue: it goes with its owner
            Queue orphan = queues.get(queueName);
            if (orphan != null && exclusiveOwners.get(queueName) == owner) {
                Broker.await(deleteQueueIfCurrent(orphan));
            }
            throw new BrokerException(ErrorCode.CLOSED, "session " + owner.clientName() + " is closed");
        }
        return queueInfo(queueName, owner);
    }

    /** The counts of a queue as a declare answers them: after what this session did to it before (see Queue#info). */
    QueueInfo queueInfo(String queueName, Session session) {
        Queue q = queue(queueName, session);
        q.touch(); // a declare, passive or not, uses the queue (x-expires), as rabbit_amqqueue_process's stat
        return Broker.await(q.info());
    }

    /** The counts of a queue, if there is one by this name. */
    public Optional<QueueInfo> queueInfo(String queueName) {
        Queue q = queues.get(queueName);
        return q == null
                ? Optional.empty()
                : Optional.of(new QueueInfo(queueName, q.messageCount(), q.consumerCount()));
    }

    /** The names of the queues. */
    public Set<String> queueNames() {
        return Set.copyOf(queues.keySet());
    }

    /** The names of the exchanges, the default exchange ({@code ""}) included. */
    public Set<String> exchangeNames() {
        return Set.copyOf(exchanges.keySet());
    }

    /** Every binding (a copy), the default exchange's implicit ones excepted. */
    public List<BindingDefinition> bindings() {
        synchronized (broker.definitionsLock()) {
            List<BindingDefinition> all = new ArrayList<>();
            bindingsBySource.values().forEach(all::addAll);
            return all;
        }
    }

    /** The definition and counters of a queue, if there is one by this name (read without waiting for the queue). */
    public Optional<QueueStatus> queueStatus(String queueName) {
        Queue q = queues.get(queueName);
        return q == null
                ? Optional.empty()
                : Optional.of(new QueueStatus(
                        q.definition(), q.messageCount(), q.unackedCount(), q.consumerCount(), q.paced()));
    }

    /** What flowed through the queue by this name, if there is one, for metrics. */
    public Optional<QueueStats> queueStats(String queueName) {
        Queue q = queues.get(queueName);
        return q == null ? Optional.empty() : Optional.of(q.stats());
    }

    /**
     * What flowed through every queue of the vhost since the broker started, deleted queues included: a sum made now
     * (a scrape's), not a live counter.
     */
    public QueueStats stats() {
        QueueStats total = new QueueStats();
        // under the definitions lock: a queue being deleted is counted either live or retired, never both or neither
        synchronized (broker.definitionsLock()) {
            total.add(retired);
            for (Queue q : queues.values()) {
                total.add(q.stats());
            }
        }
        return total;
    }

    /** The definition of an exchange, if there is one by this name (the default exchange is {@code ""}). */
    public Optional<ExchangeDefinition> exchangeDefinition(String exchangeName) {
        Exchange x = exchanges.get(exchangeName);
        return x == null ? Optional.empty() : Optional.of(x.definition());
    }

    long deleteQueue(String queueName, boolean ifUnused, boolean ifEmpty, Session session) {
        broker.access().queueDelete(session, queueName); // before the lookup, as rabbit_channel
        Queue q = queues.get(queueName);
        if (q == null) {
            return 0; // as RabbitMQ: deleting what is not there succeeds, with a count of 0
        }
        checkOwner(queueName, session);
        // the queue decides on its executor, outside the definitions lock: a busy queue takes long to get to it
        long count = Broker.await(q.prepareDelete(ifUnused, ifEmpty));
        try {
            broker.command(() -> queues.get(queueName) == q ? queueRemoval(q) : List.of());
        } catch (RuntimeException e) {
            q.abandonDelete(); // not removed (the definitions could not be written): it takes consumers again
            throw e;
        }
        return count;
    }

    /**
     * Deletes the queues unused for longer than their {@code x-expires} (RabbitMQ's idle-queue expiry), and has the
     * others drop the messages older than their {@code x-message-ttl}.
     */
    void expire(long nowMillis) {
        for (Exchange x : exchanges.values()) {
            if (x.delayStore() != null) {
                x.delayStore().releaseDue(); // a safety net: each store's timer releases on time
            }
        }
        for (Queue q : queues.values()) {
            if (q.expired(nowMillis)) {
                deleteQueueIfCurrent(q);
            } else if (q.hasMessageTtl()) {
                q.expireMessages();
            }
        }
    }

    /** Deletes a queue without conditions (auto-delete, exclusive owner gone) if it is still this queue. */
    CompletableFuture<Void> deleteQueueIfCurrent(Queue q) {
        return broker.commandAsync(() -> queues.get(q.name()) == q ? queueRemoval(q) : List.of());
    }

    private List<DefinitionRecord> queueRemoval(Queue q) {
        List<DefinitionRecord> records = new ArrayList<>();
        records.add(new QueueRemoved(name, q.name()));
        autoDeleteSources(
                bindingsByDestination.getOrDefault(destinationKey(DestinationKind.QUEUE, q.name()), Set.of()), records);
        return records;
    }

    long purgeQueue(String queueName, Session session) {
        broker.access().queuePurge(session, queueName);
        return Broker.await(queue(queueName, session).purge());
    }

    /** The queue by name, checked for exclusive ownership by {@code session}. */
    Queue queue(String queueName, Session session) {
        Queue q = queues.get(queueName);
        if (q == null) {
            throw new BrokerException(ErrorCode.NOT_FOUND, "no queue '" + queueName + "' in vhost '" + name + "'");
        }
        checkOwner(queueName, session);
        return q;
    }

    private void checkOwner(String queueName, Session session) {
        Session owner = exclusiveOwners.get(queueName);
        if (owner != null && owner != session) {
            throw locked(queueName);
        }
    }

    private BrokerException locked(String queueName) {
        return new BrokerException(
                ErrorCode.RESOURCE_LOCKED,
                "cannot obtain exclusive access to locked queue '" + queueName + "' in vhost '" + name
                        + "'. It could be originally declared on another connection or the exclusive property"
                        + " value does not match that of the original declaration.");
    }

    /** RabbitMQ's rabbit_amqqueue:assert_equivalence/5, in its order; {@code durable} as the declare means it. */
    private void assertEquivalent(QueueDefinition current, QueueSpec spec, boolean durable) {
        String what = "queue '" + spec.name() + "' in vhost '" + name + "'";
        // exclusivity is checked strictly, and a mismatch either way is RESOURCE_LOCKED, not PRECONDITION_FAILED
        if (current.exclusive() != spec.exclusive()) {
            throw locked(current.name());
        }
        requireSame("durable", current.durable(), durable, what);
        requireSame("auto_delete", current.autoDelete(), spec.autoDelete(), what);
        for (String argument : EQUIVALENT_QUEUE_ARGUMENTS) {
            requireSameArgument(argument, current.arguments(), spec.arguments(), what);
        }
        // rabbit_misc:assert_field_equivalence: a queue declared without a type is a classic one
        Object currentType = current.arguments().get(QueueArguments.QUEUE_TYPE);
        Object receivedType = spec.arguments().get(QueueArguments.QUEUE_TYPE);
        if (!Arguments.valuesEquivalent(
                currentType == null ? QueueArguments.CLASSIC : currentType,
                receivedType == null ? QueueArguments.CLASSIC : receivedType)) {
            throw inequivalent(QueueArguments.QUEUE_TYPE, what, receivedType, currentType);
        }
    }

    /** Exclusive queues of a session that is closing: they go with it; the future completes when they are gone. */
    CompletableFuture<Void> sessionClosed(Session session) {
        List<CompletableFuture<Void>> deleted = new ArrayList<>();
        for (Map.Entry<String, Session> e : exclusiveOwners.entrySet()) {
            if (e.getValue() == session) {
                Queue q = queues.get(e.getKey());
                if (q != null) {
                    deleted.add(deleteQueueIfCurrent(q));
                }
                exclusiveOwners.remove(e.getKey(), session);
            }
        }
        return CompletableFuture.allOf(deleted.toArray(CompletableFuture<?>[]::new));
    }

    // ------------------------------------------------------------------ bindings

    void bind(BindingDefinition binding, Session session) {
        broker.command(() -> {
            checkBindingAccess(binding, session);
            Exchange source = exchange(binding.source());
            checkDestination(binding, session);
            if (bindingsBySource.getOrDefault(source.name(), Set.of()).contains(binding)) {
                return List.of();
            }
            // let the exchange type refuse bad arguments before anything is recorded
            source.routingType().newRouter().bind(binding.routingKey(), binding.arguments(), binding);
            return List.of(new BindingAdded(binding));
        });
    }

    void unbind(BindingDefinition binding, Session session) {
        broker.command(() -> {
            checkBindingAccess(binding, session);
            // as RabbitMQ (rabbit_db_binding:delete/2): removing a binding that is not there succeeds, also when its
            // source or destination is not there; exclusive access is checked only for a binding that is
            if (!bindingsBySource.getOrDefault(binding.source(), Set.of()).contains(binding)) {
                return List.of();
            }
            checkDestination(binding, session);
            List<DefinitionRecord> records = new ArrayList<>();
            records.add(new BindingRemoved(binding));
            autoDeleteSources(Set.of(binding), records);
            return records;
        });
    }

    /**
     * rabbit_channel:binding_action_with_checks, in its order: write on the destination, the default exchange refused
     * at either end, read on the source.
     */
    private void checkBindingAccess(BindingDefinition binding, Session session) {
        broker.access().bindDestination(session, binding.destinationKind(), binding.destination());
        checkNotDefault(binding);
        broker.access().bindSource(session, binding.source());
    }

    /** The default exchange takes no part in explicit bindings; rabbit_channel checks both ends before anything. */
    private void checkNotDefault(BindingDefinition binding) {
        if (binding.source().isEmpty()
                || binding.destinationKind() == DestinationKind.EXCHANGE
                        && binding.destination().isEmpty()) {
            throw defaultExchangeRefused();
        }
    }

    private Exchange bindable(String exchangeName) {
        if (exchangeName.isEmpty()) {
            throw defaultExchangeRefused();
        }
        return exchange(exchangeName);
    }

    private void checkDestination(BindingDefinition binding, Session session) {
        switch (binding.destinationKind()) {
            case QUEUE -> queue(binding.destination(), session);
            case EXCHANGE -> bindable(binding.destination());
        }
    }

    /**
     * Adds to {@code records} the removal of every auto-delete exchange that loses its last binding when {@code
     * removed} go (and of those that then lose theirs), as RabbitMQ does.
     *
     * <p>Every binding gone so far is remembered, and each one makes its source be looked at again: an exchange may
     * lose its bindings by several paths at once (a queue's deletion takes {@code a -> q} directly and {@code a -> b}
     * with the auto-deleted {@code b}), which counting per path would miss.
     */
    private void autoDeleteSources(Collection<BindingDefinition> removed, List<DefinitionRecord> records) {
        Set<BindingDefinition> gone = new HashSet<>();
        ArrayDeque<BindingDefinition> work = new ArrayDeque<>(removed);
        while (!work.isEmpty()) {
            BindingDefinition b = work.poll();
            if (!gone.add(b)) {
                continue;
            }
            Exchange source = exchanges.get(b.source());
            if (source != null
                    && source.definition().autoDelete()
                    && !records.contains(new ExchangeRemoved(name, b.source()))
                    && gone.containsAll(bindingsBySource.getOrDefault(b.source(), Set.of()))) {
                records.add(new ExchangeRemoved(name, b.source()));
                work.addAll(bindingsByDestination.getOrDefault(
                        destinationKey(DestinationKind.EXCHANGE, b.source()), Set.of()));
            }
        }
    }

    // ------------------------------------------------------------------ publishing

    /**
     * The exchange a publish goes to, as routing would find it.
     *
     * @throws BrokerException {@code NOT_FOUND} for an unknown exchange, {@code ACCESS_REFUSED} for an internal one
     */
    Exchange publishable(String exchange) {
        Exchange x = exchange(exchange);
        if (x.definition().internal()) {
            throw new BrokerException(ErrorCode.ACCESS_REFUSED, "cannot publish to internal " + describe(x.name()));
        }
        return x;
    }

    /**
     * Routes a message and hands it to every queue it reaches: with its routing key and the keys of its {@code CC} and
     * {@code BCC} headers ({@link SenderSelected}).
     *
     * @return completes once every such queue has taken it (see {@link PublishResult}); fails with {@code
     *     STORAGE_FAILED} when a queue could not store it
     * @throws BrokerException {@code NOT_FOUND} for an unknown exchange, {@code ACCESS_REFUSED} for an internal one,
     *     {@code PRECONDITION_FAILED} for a {@code CC} or {@code BCC} header that is not an array
     */
    Publication publish(Message message) {
        Exchange x = publishable(message.exchange());
        boolean senderSelected = SenderSelected.named(message.headers());
        if (senderSelected) {
            SenderSelected.check(message.headers());
        }
        String dedupKey = x.dedup() == null ? null : x.dedup().key(message, broker.propertiesFormat());
        if (dedupKey != null && !x.dedupWindow().admit(dedupKey)) {
            return new Publication(0, CompletableFuture.completedFuture(PublishResult.DUPLICATE));
        }
        Publication publication;
        if (x.isDefault() && !senderSelected) { // the hot path of work queues, without a route's lists
            Queue q = queues.get(message.routingKey());
            PublishTracker tracker = new PublishTracker(q == null ? 0 : 1);
            if (q != null) {
                q.enqueue(message, tracker);
            }
            publication = new Publication(q == null ? 0 : 1, tracker.result());
        } else {
            publication = deliver(routeAll(x, message), message);
        }
        if (dedupKey != null) {
            // the key stays once the message is stored; a publish that failed may be retried, not refused
            publication.result().whenComplete((r, e) -> {
                if (e == null) {
                    x.dedupWindow().stored(dedupKey);
                } else {
                    x.dedupWindow().failed(dedupKey);
                }
            });
        }
        return publication;
    }

    /** The broker closes: exchanges close their deduplication windows. */
    void closeExchanges() {
        exchanges.values().forEach(Exchange::close);
    }

    /**
     * Hands a routed message to the queues and delay stores it reached. A delay store counts as reached: a delayed
     * message is not returned to a mandatory publisher, nor sent to an alternate exchange, when it is stored (the
     * plugin returns it as unroutable, and sends it to the alternate exchange, while it still delivers it later).
     * Queues take it without its {@code BCC} header; a delay store keeps that, to route with its keys when the message
     * falls due.
     */
    private Publication deliver(Route route, Message message) {
        List<Queue> targets = route.queues();
        int count = targets.size() + route.delayed.size();
        PublishTracker tracker = new PublishTracker(count);
        Message stored = targets.isEmpty() ? message : SenderSelected.withoutBcc(message, broker.propertiesFormat());
        for (Queue q : targets) {
            q.enqueue(stored, tracker);
        }
        for (Exchange d : route.delayed) {
            d.delayStore().schedule(message, route.delay, tracker);
        }
        return new Publication(count, tracker.result());
    }

    /**
     * Routes a message a delay store released (it fell due) through its exchange as the bindings are now; {@code done}
     * hears once every queue reached has taken it. The exchange's store releases only while it is this vhost's.
     */
    void routeDue(ExchangeDefinition exchange, Message message, EnqueueCallback done) {
        Exchange x = exchanges.get(exchange.name());
        if (x == null || x.definition() != exchange) {
            done.onEnqueued(null); // deleted meanwhile: its store is going
            return;
        }
        deliver(routeAll(x, message), message).result().whenComplete((r, e) -> {
            Throwable cause = e instanceof java.util.concurrent.CompletionException c ? c.getCause() : e;
            done.onEnqueued(
                    cause == null
                            ? null
                            : cause instanceof BrokerException be
                                    ? be
                                    : new BrokerException(ErrorCode.STORAGE_FAILED, cause.toString(), cause));
        });
    }

    /**
     * The queues a message published to {@code x} reaches, each once: through exchange-to-exchange bindings, and to an
     * exchange's alternate exchange when the exchange itself routes it nowhere (RabbitMQ's rabbit_exchange:route).
     */
    List<Queue> route(Exchange x, Message message) {
        return routeAll(x, message).queues();
    }

    /**
     * {@link #route}, and the delayed exchanges on the way that store the message instead of routing it now (it asks
     * for a delay, {@link DelayedMessageType#delayOf}): a delayed exchange reached through a binding delays it too, as
     * with the plugin, whose exchange type is asked to route wherever the exchange stands.
     */
    private Route routeAll(Exchange x, Message message) {
        Route route = new Route(x);
        List<String> extraKeys = SenderSelected.keys(message.headers());
        route.severalKeys = !extraKeys.isEmpty();
        if (x.isDefault()) {
            reachByName(route, message.routingKey());
            for (String key : extraKeys) {
                reachByName(route, key);
            }
            return route;
        }
        // as RabbitMQ, exchanges match on the headers without BCC, which is gone before routing there
        Map<String, Object> headers = SenderSelected.withoutBcc(message.headers());
        for (int i = 0; i < route.exchanges.size(); i++) {
            Exchange current = route.exchanges.get(i);
            if (current.delayStore() != null && route.delayOf(message) > 0) {
                if (route.delayed.isEmpty()) {
                    route.delayed = new ArrayList<>(1);
                }
                route.delayed.add(current);
                continue;
            }
            route.hits = 0;
            current.router().route(message.routingKey(), headers, route);
            if (route.severalKeys && current.routingType().routesByKey()) {
                for (String key : extraKeys) {
                    current.router().route(key, headers, route);
                }
            }
            if (route.hits == 0 && current.alternate() != null) {
                Exchange ae = exchanges.get(current.alternate());
                if (ae != null && !ae.isDefault()) {
                    route.visit(ae);
                }
            }
        }
        return route;
    }

    /** The default exchange's rule: the queue named by the key, if there is one. */
    private void reachByName(Route route, String queueName) {
        Queue q = queues.get(queueName);
        if (q != null) {
            route.reached.add(q);
        }
    }

    /**
     * Republishes a message a queue dead-letters (RabbitMQ's rabbit_dead_letter): through the queue's dead-letter
     * exchange, with its dead-letter routing key or else the message's own, its death recorded in the headers ({@link
     * DeadLetterHistory}), its expiration removed, persistent and of the same priority as before. Queues the copy
     * would reach in a cycle without a rejection are left out (with a warning, as RabbitMQ's); a missing dead-letter
     * exchange drops the copy. No permission or alarm stops it: the queue's declare checked the exchange, and
     * dead-lettering is no publisher.
     */
    void deadLetter(QueueDefinition source, StoredMessage m, DeadLetterReason reason, Runnable done) {
        try {
            QueueArguments arguments = QueueArguments.of(effectiveArguments(source));
            Exchange x = arguments.deadLetterExchange() == null ? null : exchanges.get(arguments.deadLetterExchange());
            if (x == null) {
                LOG.debug(
                        "Dead-letter exchange of queue '{}' in vhost '{}' not found: message dropped",
                        source.name(),
                        name);
                done.run();
                return;
            }
            PropertiesFormat format = broker.propertiesFormat();
            ByteBuffer properties = m.properties().duplicate();
            Map<String, Object> storedHeaders = format.headers(properties.duplicate());
            List<String> publishedWith = new ArrayList<>(); // x-death's routing-keys: with CC's, as RabbitMQ
            publishedWith.add(m.routingKey());
            publishedWith.addAll(SenderSelected.ccKeys(storedHeaders));
            Map<String, Object> headers = DeadLetterHistory.record(
                    storedHeaders,
                    source.name(),
                    reason.text(),
                    broker.config().clock().instant(),
                    m.exchange(),
                    publishedWith,
                    format.expiration(properties.duplicate()));
            byte[] body = new byte[m.body().remaining()];
            m.body().duplicate().get(body);
            // with the CC keys again; BCC's were not stored, where RabbitMQ keeps them beside the message and routes
            // with them too (a documented difference: storing them would need a header no consumer may see)
            String routingKey = m.routingKey();
            if (arguments.deadLetterRoutingKey() != null) {
                // rabbit_dead_letter: the copy goes with the dead-letter routing key alone, its CC removed
                routingKey = arguments.deadLetterRoutingKey();
                headers = new LinkedHashMap<>(headers);
                headers.remove(SenderSelected.CC);
            }
            // as rabbit_dead_letter: the expiration goes (no TTL of its own), the priority stays
            Message copy = new Message(
                    x.name(),
                    routingKey,
                    headers,
                    m.persistent(),
                    format.withHeaders(properties, headers, true),
                    body,
                    Message.NO_TTL,
                    m.priority());
            Route route = routeAll(x, copy);
            if (reason != DeadLetterReason.REJECTED) {
                route.keepOnly(withoutCycles(route.queues(), headers, source.name()));
            }
            deliver(route, copy).result().whenComplete((r, e) -> {
                if (e != null) {
                    LOG.warn(
                            "Dead-lettering from queue '{}' in vhost '{}' failed: {}",
                            source.name(),
                            name,
                            e.toString());
                }
                done.run();
            });
        } catch (RuntimeException e) {
            LOG.warn("Dead-lettering from queue '{}' in vhost '{}' failed", source.name(), name, e);
            done.run();
        }
    }

    private List<Queue> withoutCycles(List<Queue> targets, Map<String, Object> headers, String source) {
        List<Queue> kept = new ArrayList<>(targets.size());
        for (Queue q : targets) {
            if (DeadLetterHistory.isCycle(headers, q.name())) {
                LOG.warn(
                        "Message dropped: dead-letter cycle detected from queue '{}' to queue '{}' in vhost '{}'",
                        source,
                        q.name(),
                        name);
            } else {
                kept.add(q);
            }
        }
        return kept;
    }

    /** One route's work list: exchanges to visit (each once) and queues reached. Not thread-safe; one per route. */
    private static final class Route implements java.util.function.Consumer<BindingTarget> {
        final List<Exchange> exchanges = new ArrayList<>(2);
        final List<Queue> reached = new ArrayList<>(4);
        List<Exchange> delayed = List.of(); // a list of its own at the first delayed exchange
        int hits;
        boolean severalKeys; // the message's CC or BCC header adds routing keys
        long delay = -1; // the message's x-delay, read at the first delayed exchange on the way

        Route(Exchange first) {
            exchanges.add(first);
        }

        void visit(Exchange e) {
            for (Exchange seen : exchanges) {
                if (seen == e) {
                    return;
                }
            }
            exchanges.add(e);
        }

        @Override
        public void accept(BindingTarget target) {
            hits++;
            switch (target) {
                case BindingTarget.ToQueue(Queue q) -> reached.add(q);
                case BindingTarget.ToExchange(Exchange e) -> visit(e);
            }
        }

        long delayOf(Message message) {
            if (delay < 0) {
                delay = DelayedMessageType.delayOf(message.headers());
            }
            return delay;
        }

        void keepOnly(List<Queue> queues) {
            List<Queue> kept = List.copyOf(queues);
            reached.clear();
            reached.addAll(kept);
            exchanges.subList(1, exchanges.size()).clear(); // queues() is now unique already
            severalKeys = false;
        }

        /**
         * Each queue once: one router never repeats a queue for one key, but several exchanges, or several keys, may
         * reach the same one.
         */
        List<Queue> queues() {
            if (exchanges.size() == 1 && !severalKeys || reached.size() < 2) {
                return reached;
            }
            Set<Queue> seen = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
            List<Queue> unique = new ArrayList<>(reached.size());
            for (Queue q : reached) {
                if (seen.add(q)) {
                    unique.add(q);
                }
            }
            return unique;
        }
    }

    // ------------------------------------------------------------------ policies

    /** Sets a policy or operator policy (RabbitMQ's); checked as RabbitMQ's validators would, then persisted. */
    void setPolicy(PolicyDefinition policy) {
        QueuePolicies.validate(policy);
        broker.command(() -> List.of(new PolicySet(policy)));
    }

    /** Clears a policy or operator policy; clearing one that is not there succeeds. */
    void clearPolicy(String policyName, boolean operator) {
        broker.command(() -> policies.containsKey(policyKey(policyName, operator))
                ? List.of(new PolicyRemoved(name, policyName, operator))
                : List.of());
    }

    /** The policies and operator policies of this vhost. */
    public List<PolicyDefinition> policies() {
        return List.copyOf(policies.values());
    }

    /** The arguments a queue runs with: its own, and what the policies matching its name set. */
    Map<String, Object> effectiveArguments(QueueDefinition queue) {
        return policies.isEmpty()
                ? queue.arguments()
                : QueuePolicies.effective(queue.name(), queue.arguments(), List.copyOf(policies.values()));
    }

    private void reconfigureQueues() {
        for (Queue q : queues.values()) {
            q.reconfigure(effectiveArguments(q.definition()));
        }
    }

    private static String policyKey(String policyName, boolean operator) {
        return (operator ? "o:" : "p:") + policyName;
    }

    // ------------------------------------------------------------------ replay

    /** Applies one record: the only way this vhost's definitions change. Runs under the definitions lock. */
    void replay(VhostRecord record) {
        switch (record) {
            case VhostAdded r -> {
                // the broker creates vhosts
            }
            case VhostRemoved r -> {
                for (Queue q : List.copyOf(queues.values())) {
                    replay(new QueueRemoved(name, q.name()));
                }
                for (Exchange x : List.copyOf(exchanges.values())) {
                    if (x.delayStore() != null) {
                        replay(new ExchangeRemoved(name, x.name()));
                    }
                }
            }
            case ExchangeAdded r -> {
                ExchangeDefinition d = r.exchange();
                if (DelayedMessageType.NAME.equals(d.type())) {
                    DelayStore store = broker.openDelayStore(d, this);
                    exchanges.put(
                            d.name(),
                            new Exchange(
                                    d,
                                    DelayedMessageType.routingType(d.arguments()),
                                    store,
                                    broker.store(),
                                    broker.config().clock()));
                    if (broker.recovered()) {
                        store.start();
                    }
                } else {
                    exchanges.put(
                            d.name(),
                            new Exchange(
                                    d,
                                    ExchangeType.byName(d.type())
                                            .orElseThrow(() -> new IllegalStateException(
                                                    "definitions name an unknown exchange type '" + d.type() + "'")),
                                    null,
                                    broker.store(),
                                    broker.config().clock()));
                }
            }
            case ExchangeRemoved r -> {
                removeBindings(bindingsBySource.getOrDefault(r.name(), Set.of()));
                removeBindings(bindingsByDestination.getOrDefault(
                        destinationKey(DestinationKind.EXCHANGE, r.name()), Set.of()));
                Exchange x = exchanges.remove(r.name());
                if (x != null && x.delayStore() != null) {
                    try {
                        Broker.await(x.delayStore().delete());
                    } catch (RuntimeException e) {
                        LOG.warn("Deleting the delay store of {} failed: {}", x, e.getMessage());
                    }
                }
                if (x != null) {
                    x.deleted();
                }
            }
            case QueueAdded r -> {
                QueueDefinition d = r.queue();
                Queue q = broker.openQueue(d, this);
                queues.put(d.name(), q);
                if (broker.recovered()) {
                    q.startTimer(); // the broker starts those it recovers once it has recovered everything
                }
            }
            case QueueRemoved r -> {
                removeBindings(
                        bindingsByDestination.getOrDefault(destinationKey(DestinationKind.QUEUE, r.name()), Set.of()));
                exclusiveOwners.remove(r.name());
                Queue q = queues.remove(r.name());
                if (q != null) {
                    broker.deleting(q, q.delete());
                    retired.add(q.stats()); // the vhost's totals never go down
                }
            }
            case BindingAdded r -> addBinding(r.binding());
            case BindingRemoved r -> removeBindings(List.of(r.binding()));
            case PolicySet r -> {
                policies.put(policyKey(r.policy().name(), r.policy().operator()), r.policy());
                reconfigureQueues();
            }
            case PolicyRemoved r -> {
                policies.remove(policyKey(r.name(), r.operator()));
                reconfigureQueues();
            }
        }
    }

    private void addBinding(BindingDefinition b) {
        Exchange source = exchanges.get(b.source());
        BindingTarget target = target(b);
        if (source == null || source.isDefault() || target == null) {
            throw new IllegalStateException("definitions bind missing entities: " + b);
        }
        source.router().bind(b.routingKey(), b.arguments(), target);
        bindingsBySource.computeIfAbsent(b.source(), k -> new LinkedHashSet<>()).add(b);
        bindingsByDestination
                .computeIfAbsent(destinationKey(b.destinationKind(), b.destination()), k -> new LinkedHashSet<>())
                .add(b);
    }

    private void removeBindings(Collection<BindingDefinition> bindings) {
        for (BindingDefinition b : List.copyOf(bindings)) {
            Exchange source = exchanges.get(b.source());
            BindingTarget target = target(b);
            if (source != null && target != null) {
                source.router().unbind(b.routingKey(), b.arguments(), target);
            }
            removeFrom(bindingsBySource, b.source(), b);
            removeFrom(bindingsByDestination, destinationKey(b.destinationKind(), b.destination()), b);
        }
    }

    private static void removeFrom(Map<String, Set<BindingDefinition>> index, String key, BindingDefinition b) {
        Set<BindingDefinition> set = index.get(key);
        if (set != null && set.remove(b) && set.isEmpty()) {
            index.remove(key);
        }
    }

    private BindingTarget target(BindingDefinition b) {
        return switch (b.destinationKind()) {
            case QUEUE -> {
                Queue q = queues.get(b.destination());
                yield q == null ? null : new BindingTarget.ToQueue(q);
            }
            case EXCHANGE -> {
                Exchange e = exchanges.get(b.destination());
                yield e == null ? null : new BindingTarget.ToExchange(e);
            }
        };
    }

    private static String destinationKey(DestinationKind kind, String destination) {
        return (kind == DestinationKind.QUEUE ? "q:" : "x:") + destination;
    }

    /** The durable definitions of this vhost as records that rebuild them (for a snapshot). */
    void durableState(List<DefinitionRecord> into) {
        into.add(new VhostAdded(name));
        policies.values().forEach(p -> into.add(new PolicySet(p))); // before the queues they shape
        for (Exchange x : exchanges.values()) {
            if (isPersisted(x)) {
                into.add(new ExchangeAdded(x.definition()));
            }
        }
        for (Queue q : queues.values()) {
            if (Queue.survivesRestart(q.definition())) {
                into.add(new QueueAdded(q.definition()));
            }
        }
        for (Set<BindingDefinition> set : bindingsBySource.values()) {
            for (BindingDefinition b : set) {
                if (isPersisted(b)) {
                    into.add(new BindingAdded(b));
                }
            }
        }
    }

    /** Whether a record describes durable state and so goes to the definitions log. */
    boolean isPersisted(VhostRecord record) {
        return switch (record) {
            case VhostAdded r -> true;
            case VhostRemoved r -> true;
            case ExchangeAdded r -> r.exchange().durable();
            case ExchangeRemoved r -> {
                Exchange x = exchanges.get(r.name());
                yield x != null && isPersisted(x);
            }
            case QueueAdded r -> Queue.survivesRestart(r.queue());
            case QueueRemoved r -> {
                Queue q = queues.get(r.name());
                yield q != null && Queue.survivesRestart(q.definition());
            }
            case BindingAdded r -> isPersisted(r.binding());
            case BindingRemoved r -> isPersisted(r.binding());
            case PolicySet r -> true;
            case PolicyRemoved r -> true;
        };
    }

    private boolean isPersisted(Exchange x) {
        return x.definition().durable() && !x.isDefault() && !PREDECLARED.containsKey(x.name());
    }

    private boolean isPersisted(BindingDefinition b) {
        Exchange source = exchanges.get(b.source());
        boolean sourceDurable = source != null && source.definition().durable();
        boolean destinationDurable = switch (b.destinationKind()) {
            case QUEUE -> {
                Queue q = queues.get(b.destination());
                yield q != null && Queue.survivesRestart(q.definition());
            }
            case EXCHANGE -> {
                Exchange e = exchanges.get(b.destination());
                yield e != null && e.definition().durable();
            }
        };
        return sourceDurable && destinationDurable;
    }

    Collection<Queue> queues() {
        return queues.values();
    }

    /** The delay stores of the delayed exchanges. */
    List<DelayStore> delayStores() {
        List<DelayStore> stores = new ArrayList<>();
        for (Exchange x : exchanges.values()) {
            if (x.delayStore() != null) {
                stores.add(x.delayStore());
            }
        }
        return stores;
    }

    /** The number of messages a delayed exchange holds until they fall due, if it is one. */
    public Optional<Long> delayedMessageCount(String exchange) {
        Exchange x = exchanges.get(exchange);
        return x == null || x.delayStore() == null
                ? Optional.empty()
                : Optional.of(x.delayStore().pendingCount());
    }

    // ------------------------------------------------------------------ checks

    private void checkName(String kind, String entity) {
        if (entity.startsWith("amq.")) {
            throw new BrokerException(
                    ErrorCode.ACCESS_REFUSED, kind + " name '" + entity + "' contains reserved prefix 'amq.*'");
        }
    }

    private BrokerException defaultExchangeRefused() {
        return new BrokerException(ErrorCode.ACCESS_REFUSED, "operation not permitted on the default exchange");
    }

    private String describe(String exchange) {
        return "exchange '" + exchange + "' in vhost '" + name + "'";
    }

    private static void requireSame(String field, Object current, Object received, String what) {
        if (!current.equals(received)) {
            throw inequivalent(field, what, received, current);
        }
    }

    private static void requireSameArgument(
            String argument, Map<String, Object> current, Map<String, Object> received, String what) {
        Object c = current.get(argument);
        Object r = received.get(argument);
        if (!Arguments.valuesEquivalent(c, r)) {
            throw inequivalent(argument, what, r, c);
        }
    }

    private static BrokerException inequivalent(String field, String what, Object received, Object current) {
        return new BrokerException(
                ErrorCode.PRECONDITION_FAILED,
                "inequivalent arg '" + field + "' for " + what + ": received '" + show(received) + "' but current is '"
                        + show(current) + "'");
    }

    private static String show(Object value) {
        return value == null ? "none" : value.toString();
    }

    @Override
    public String toString() {
        return "vhost '" + name + "'";
    }
}
