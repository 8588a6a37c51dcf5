package io.hermod.broker;

import io.hermod.broker.definitions.BindingDefinition;
import io.hermod.broker.definitions.BindingDefinition.DestinationKind;
import io.hermod.broker.definitions.ExchangeDefinition;
import io.hermod.broker.queue.DeliverySink;
import io.hermod.broker.queue.Queue;
import io.hermod.broker.queue.QueueConsumer;
import io.hermod.broker.queue.StoredMessage;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A channel of a session: what a protocol channel (AMQP) translates into. Every operation of AMQP's exchange, queue
 * and basic classes has a method here that applies the broker's rules; the channel numbers deliveries (delivery tags)
 * and remembers which are unacknowledged, so that acks, nacks, rejects and recover settle them, and closing the
 * channel returns them to their queues ahead of newer messages.
 *
 * <p>Every operation is checked against the session user's permissions ({@link AccessControl}: RabbitMQ's table) and
 * refused with {@code ACCESS_REFUSED} when they do not allow it. A refused operation throws a {@link BrokerException}
 * and leaves the channel open: whether the error closes the channel or the connection is the protocol's decision
 * (AMQP: per reply code), made in one table.
 *
 * <p>Consumers get messages within their own prefetch ({@link ConsumeOptions}) and within the prefetch the channel's
 * consumers share, if one is set ({@link #channelPrefetch(int)}, AMQP basic.qos with {@code global=true}).
 *
 * <p>Threading: operations are called by one thread at a time (the protocol's connection thread); deliveries arrive on
 * queue threads. The unacknowledged map is shared between them under the channel's lock, held briefly. Definition
 * operations and {@link #consume} wait for the broker, so they must not be called from a {@link DeliveryHandler}. A
 * delivery that waited for room in the channel's shared prefetch reaches its handler under the channel's lock, on the
 * thread whose acknowledgement (or prefetch change) made the room.
 */
public final class Channel implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Channel.class);

    private final Session session;
    private final Broker broker;
    private final VirtualHost vhost;
    private final AccessControl access;
    private final Map<String, ChannelConsumer> consumers = new HashMap<>();

    // guarded by this; closed is also read without it (volatile) by queue threads, to stop handing messages to a
    // closing channel's consumers before their removal reaches the queues
    private long nextTag = 1;
    private final NavigableMap<Long, Unacked> unacked = new TreeMap<>();
    private final ChannelPrefetch prefetch = new ChannelPrefetch();
    /** Whether this thread is handing over waiting deliveries (a handler that acknowledges must not recurse). */
    private boolean releasing;

    private volatile boolean closed;
    /** Completes when the close is done (see {@link #closeAsync}); set under the lock with {@code closed}. */
    private CompletableFuture<Void> closing;

    private volatile Consumer<ChannelCloseReason> onClosedByBroker = reason -> {};

    /**
     * A delivery awaiting acknowledgement; {@code deliveredAt} in the broker clock's milliseconds; {@code toConsumer}:
     * counted by the channel-wide prefetch (a consumer's, not a polling get's).
     */
    private record Unacked(Queue queue, long offset, long deliveredAt, boolean toConsumer) {}

    Channel(Session session, Broker broker) {
        this.session = session;
        this.broker = broker;
        this.vhost = session.vhost();
        this.access = broker.access();
    }

    // ------------------------------------------------------------------ exchanges

    /** Declares an exchange, or checks that the existing one is equivalent. */
    public ExchangeDefinition declareExchange(ExchangeSpec spec) {
        ensureOpen();
        return vhost.declareExchange(spec, session);
    }

    /** Passive declare: the exchange's definition, or {@code NOT_FOUND}. */
    public ExchangeDefinition declareExchangePassive(String name) {
        ensureOpen();
        return vhost.exchangeExists(name, session);
    }

    public void deleteExchange(String name, boolean ifUnused) {
        ensureOpen();
        vhost.deleteExchange(name, ifUnused, session);
    }

    /** Binds exchange {@code destination} to exchange {@code source} (exchange-to-exchange binding). */
    public void bindExchange(String destination, String source, String routingKey, Map<String, Object> arguments) {
        ensureOpen();
        vhost.bind(binding(source, DestinationKind.EXCHANGE, destination, routingKey, arguments), session);
    }

    public void unbindExchange(String destination, String source, String routingKey, Map<String, Object> arguments) {
        ensureOpen();
        vhost.unbind(binding(source, DestinationKind.EXCHANGE, destination, routingKey, arguments), session);
    }

    // ------------------------------------------------------------------ queues

    /** Declares a queue (an empty name gets a server-chosen one), or checks that the existing one is equivalent. */
    public QueueInfo declareQueue(QueueSpec spec) {
        ensureOpen();
        return vhost.declareQueue(spec, session);
    }

    /** Passive declare: the queue's counts, or {@code NOT_FOUND}. */
    public QueueInfo declareQueuePassive(String name) {
        ensureOpen();
        access.queueDeclarePassive(session, name);
        return vhost.queueInfo(name, session);
    }

    /** Deletes a queue and returns the number of ready messages it had (0 if there was no such queue). */
    public long deleteQueue(String name, boolean ifUnused, boolean ifEmpty) {
        ensureOpen();
        return vhost.deleteQueue(name, ifUnused, ifEmpty, session);
    }

    /** Drops the ready messages of a queue and returns how many. */
    public long purgeQueue(String name) {
        ensureOpen();
        return vhost.purgeQueue(name, session);
    }

    public void bindQueue(String queue, String exchange, String routingKey, Map<String, Object> arguments) {
        ensureOpen();
        vhost.bind(binding(exchange, DestinationKind.QUEUE, queue, routingKey, arguments), session);
    }

    public void unbindQueue(String queue, String exchange, String routingKey, Map<String, Object> arguments) {
        ensureOpen();
        vhost.unbind(binding(exchange, DestinationKind.QUEUE, queue, routingKey, arguments), session);
    }

    private BindingDefinition binding(
            String source, DestinationKind kind, String destination, String routingKey, Map<String, Object> args) {
        return new BindingDefinition(vhost.name(), source, kind, destination, routingKey, args);
    }

    // ------------------------------------------------------------------ publishing

    /**
     * Publishes a message. The future completes when every queue it reached has taken it — for a persistent message on
     * a durable queue, once on stable storage — which is when a publisher confirm may be sent; it fails (a negative
     * confirm) if any queue could not store it. A result that is not {@link PublishResult#routed() routed} is to be
     * returned to a mandatory publisher. For sessions that wait on alarms (embedded ones), called off a broker thread,
     * the call waits while a resource alarm is on, and while the session's publishes in flight are past its {@link
     * PublishCredit} (the broker has not yet taken them).
     *
     * @throws BrokerException {@code NOT_FOUND} for an unknown exchange; {@code ACCESS_REFUSED} for an internal one, or
     *     without write permission on the exchange
     */
    public CompletableFuture<PublishResult> publish(Message message) {
        return publishRouted(message).result();
    }

    /**
     * {@link #publish}, telling at once how many queues the message reached: what a protocol module weighs its
     * publishers' flow control by.
     */
    public Publication publishRouted(Message message) {
        ensureOpen();
        access.publish(session, message.exchange());
        boolean waits = session.waitsOnAlarm() && !Broker.onBrokerThread();
        if (waits) {
            Broker.beforeWaiting();
            broker.alarms().awaitOpen(0); // a memory or disk alarm blocks publishers until it clears
            session.awaitPublishCredit();
        }
        Publication publication = vhost.publish(message);
        if (waits) {
            session.publishing(message.body().length, publication);
        }
        return publication;
    }

    /**
     * What {@link #publish} checks before it routes, in RabbitMQ's order (write permission on the exchange, then that
     * it exists and is not internal), for a protocol that takes the message now and publishes it later (an AMQP
     * transaction) or hands it on without routing (direct reply-to).
     *
     * @throws BrokerException as {@link #publish}: {@code ACCESS_REFUSED} or {@code NOT_FOUND}
     */
    public void checkPublish(String exchange) {
        ensureOpen();
        access.publish(session, exchange);
        vhost.publishable(exchange);
    }

    /**
     * The message as a protocol hands it on without the broker's routing: back to its publisher (AMQP's basic.return
     * of an unroutable mandatory message) or to a consumer of its own (direct reply-to). It has no {@code BCC} header,
     * as RabbitMQ takes that out of every message before routing it ({@link SenderSelected}); a message without one is
     * returned as it is.
     */
    public Message withoutBcc(Message message) {
        return SenderSelected.withoutBcc(message, broker.propertiesFormat());
    }

    // ------------------------------------------------------------------ consuming

    /**
     * Starts a consumer on a queue and returns its tag (server-chosen when the options' tag is empty).
     *
     * @throws BrokerException {@code NOT_FOUND} for an unknown queue; {@code ACCESS_REFUSED} for an exclusivity
     *     conflict; {@code RESOURCE_LOCKED} for another session's exclusive queue; {@code NOT_ALLOWED}-style {@code
     *     PRECONDITION_FAILED} for a tag in use on this channel
     */
    public String consume(String queueName, ConsumeOptions options, DeliveryHandler handler) {
        ensureOpen();
        access.consume(session, queueName);
        Queue queue = vhost.queue(queueName, session);
        String tag = options.consumerTag().isEmpty() ? broker.generateName("amq.ctag-") : options.consumerTag();
        ChannelConsumer consumer;
        synchronized (this) {
            if (consumers.containsKey(tag)) {
                // as rabbit_channel: a connection-level NOT_ALLOWED
                throw new BrokerException(ErrorCode.NOT_ALLOWED, "attempt to reuse consumer tag '" + tag + "'");
            }
            Sink sink = new Sink(handler, options.autoAck());
            QueueConsumer qc = new QueueConsumer(
                    tag,
                    options.priority(),
                    options.prefetchCount(),
                    options.prefetchBytes(),
                    options.exclusive(),
                    options.autoAck(),
                    sink);
            consumer = new ChannelConsumer(queue, qc, sink);
            consumers.put(tag, consumer);
        }
        try {
            Broker.await(queue.addConsumer(consumer.queueConsumer()));
        } catch (RuntimeException e) {
            synchronized (this) {
                consumers.remove(tag);
            }
            throw e;
        }
        return tag;
    }

    /**
     * Tells the queues of this channel's consumers to look again: a consumer whose {@link DeliveryHandler#ready} was
     * false is ready now. Any thread.
     */
    public void resumeDeliveries() {
        List<ChannelConsumer> current;
        synchronized (this) {
            current = new ArrayList<>(consumers.values());
        }
        for (ChannelConsumer c : current) {
            c.queue().wake();
        }
    }

    /**
     * Sets the prefetch the channel's consumers share (0: none): at most {@code prefetchCount} of their deliveries await
     * acknowledgement at a time, whatever each consumer's own prefetch ({@link ConsumeOptions}) allows — AMQP's
     * basic.qos with {@code global=true} as RabbitMQ 3.3+ applies it. It applies at once, to the consumers there are
     * and to later ones; deliveries already out stay out. Any thread.
     */
    public void channelPrefetch(int prefetchCount) {
        boolean wake;
        synchronized (this) {
            boolean wasFull = prefetch.full();
            prefetch.limit(prefetchCount);
            releaseWaiting();
            wake = wasFull && !prefetch.full();
        }
        if (wake) {
            resumeDeliveries();
        }
    }

    /** The prefetch the channel's consumers share; 0 when there is none. */
    public synchronized int channelPrefetch() {
        return prefetch.limit();
    }

    /** Cancels a consumer; its unacknowledged messages stay with the channel. False if no such consumer. */
    public boolean cancel(String consumerTag) {
        ChannelConsumer c;
        List<ChannelPrefetch.Waiting> undelivered;
        synchronized (this) {
            c = consumers.remove(consumerTag);
            if (c == null) {
                return false;
            }
            c.sink().cancelled = true; // its queue may still ask it before it takes the removal
            // deliveries waiting for the channel-wide prefetch must not follow the cancel: back to their queue
            undelivered = prefetch.remove(w -> w.consumer() == c.queueConsumer());
        }
        giveBack(undelivered);
        Broker.await(c.queue().removeConsumer(c.queueConsumer()));
        return true;
    }

    /** This channel's consumers, for management tools (a copy). Any thread. */
    public synchronized List<ConsumerInfo> consumers() {
        List<ConsumerInfo> all = new ArrayList<>(consumers.size());
        for (ChannelConsumer c : consumers.values()) {
            QueueConsumer qc = c.queueConsumer();
            all.add(new ConsumerInfo(
                    qc.tag(), c.queue().name(), qc.autoAck(), qc.exclusive(), qc.prefetchCount(), qc.priority()));
        }
        return all;
    }

    /** Takes one message from a queue (polling get); empty when the queue has none ready. */
    public Optional<Delivery> get(String queueName, boolean autoAck) {
        ensureOpen();
        access.consume(session, queueName);
        Queue queue = vhost.queue(queueName, session);
        Optional<Queue.GetResult> got = Broker.await(queue.get(autoAck));
        if (got.isEmpty()) {
            return Optional.empty();
        }
        Queue.GetResult r = got.get();
        long tag = autoAck ? nextTag() : track(queue, r.message().offset(), false);
        if (tag < 0) {
            return Optional.empty(); // the channel closed meanwhile; the message went back
        }
        StoredMessage m = r.message();
        return Optional.of(new Delivery(
                "", tag, r.redelivered(), m.exchange(), m.routingKey(), m.properties(), m.body(), r.messagesLeft()));
    }

    // ------------------------------------------------------------------ acknowledgements

    /** Acknowledges one delivery, or with {@code multiple} every one up to it. */
    public void ack(long deliveryTag, boolean multiple) {
        settle(deliveryTag, multiple, Queue.Outcome.ACK);
    }

    /** Negatively acknowledges: requeued (flagged redelivered, ahead of newer messages) or discarded. */
    public void nack(long deliveryTag, boolean multiple, boolean requeue) {
        settle(deliveryTag, multiple, requeue ? Queue.Outcome.REQUEUE : Queue.Outcome.DISCARD);
    }

    public void reject(long deliveryTag, boolean requeue) {
        nack(deliveryTag, false, requeue);
    }

    /**
     * Returns every unacknowledged message of this channel to its queue (AMQP basic.recover with requeue). Without
     * requeue RabbitMQ refuses; so do we.
     */
    public void recover(boolean requeue) {
        if (!requeue) {
            throw new BrokerException(ErrorCode.NOT_IMPLEMENTED, "requeue=false");
        }
        requeueAll();
    }

    /** The number of deliveries awaiting acknowledgement on this channel. */
    public synchronized int unackedCount() {
        return unacked.size();
    }

    private void settle(long deliveryTag, boolean multiple, Queue.Outcome outcome) {
        List<Unacked> settled;
        boolean wake;
        synchronized (this) {
            ensureOpen();
            NavigableMap<Long, Unacked> named = namedLocked(deliveryTag, multiple);
            settled = new ArrayList<>(named.values());
            named.clear();
            wake = settledLocked(settled);
        }
        settledOnQueues(settled, outcome, wake);
    }

    /**
     * The unacknowledged deliveries an ack, nack or reject names, checked: a view of them, which the caller copies and
     * clears. Under the lock.
     */
    private NavigableMap<Long, Unacked> namedLocked(long deliveryTag, boolean multiple) {
        if (multiple && deliveryTag == 0) {
            return unacked; // AMQP: multiple with tag 0 means everything outstanding
        }
        // the tag itself must be outstanding, as in rabbit_channel:collect_acks; else nothing is settled
        if (!unacked.containsKey(deliveryTag)) {
            throw unknownTag(deliveryTag);
        }
        return multiple ? unacked.headMap(deliveryTag, true) : unacked.subMap(deliveryTag, true, deliveryTag, true);
    }

    /** Settles on their queues deliveries already counted off the prefetch; {@code wake}: the channel has room again. */
    private void settledOnQueues(List<Unacked> settled, Queue.Outcome outcome, boolean wake) {
        settleOnQueues(settled, outcome);
        if (wake) {
            resumeDeliveries();
        }
    }

    // ------------------------------------------------------------------ transactions

    /**
     * Deliveries a transaction acknowledged, rejected or nacked ({@link #take}): no longer unacknowledged, not yet
     * settled on their queues.
     */
    public static final class Taken {
        private final NavigableMap<Long, Unacked> deliveries; // by tag
        private final Queue.Outcome outcome;

        private Taken(NavigableMap<Long, Unacked> deliveries, Queue.Outcome outcome) {
            this.deliveries = deliveries;
            this.outcome = outcome;
        }
    }

    /**
     * An ack ({@code ack}), or a nack or reject ({@code requeue} or not), inside a transaction, as rabbit_channel
     * treats one: the tags are checked and leave the unacknowledged deliveries now (a repeated or unknown tag fails at
     * once, and basic.recover does not bring them back), the queues see it at {@link #commit}, and {@link #rollback}
     * makes them unacknowledged again.
     *
     * @throws BrokerException {@code PRECONDITION_FAILED} "unknown delivery tag" as {@link #ack}
     */
    public Taken take(long deliveryTag, boolean multiple, boolean ack, boolean requeue) {
        Queue.Outcome outcome = ack ? Queue.Outcome.ACK : requeue ? Queue.Outcome.REQUEUE : Queue.Outcome.DISCARD;
        synchronized (this) {
            ensureOpen();
            NavigableMap<Long, Unacked> named = namedLocked(deliveryTag, multiple);
            Taken taken = new Taken(new TreeMap<>(named), outcome);
            named.clear();
            return taken;
        }
    }

    /** Settles what a committed transaction took, as the ack, nack or reject would have outside one. */
    public void commit(Taken taken) {
        settleTaken(taken, taken.outcome);
    }

    /**
     * Makes what a rolled-back transaction took unacknowledged again, under the tags the client knows; on a closed
     * channel they go back to their queues, as its other unacknowledged deliveries did.
     */
    public void rollback(Taken taken) {
        synchronized (this) {
            if (!closed) {
                unacked.putAll(taken.deliveries);
                return;
            }
        }
        settleTaken(taken, Queue.Outcome.REQUEUE);
    }

    private void settleTaken(Taken taken, Queue.Outcome outcome) {
        List<Unacked> settled = new ArrayList<>(taken.deliveries.values());
        boolean wake;
        synchronized (this) {
            wake = settledLocked(settled);
        }
        settledOnQueues(settled, outcome, wake);
    }

    /**
     * Counts settled deliveries off the channel-wide prefetch and hands over the waiting deliveries that now have room;
     * returns whether the channel was full and no longer is, so that the queues are to be woken. Under the lock.
     */
    private boolean settledLocked(List<Unacked> settled) {
        int toConsumers = 0;
        for (Unacked u : settled) {
            if (u.toConsumer()) {
                toConsumers++;
            }
        }
        if (toConsumers == 0) {
            return false;
        }
        boolean wasFull = prefetch.full();
        prefetch.settled(toConsumers);
        releaseWaiting();
        return wasFull && !prefetch.full();
    }

    /**
     * Numbers and hands over the waiting deliveries the channel-wide prefetch has room for. Under the lock, so that no
     * newer delivery can be numbered or go out ahead of them; a handler that acknowledges from within adds to the room
     * this loop goes on to fill.
     */
    private void releaseWaiting() {
        if (releasing || closed) {
            return;
        }
        releasing = true;
        try {
            ChannelPrefetch.Waiting w;
            while ((w = prefetch.next()) != null) {
                long tag = trackLocked(w.queue(), w.message().offset(), true);
                try {
                    hand(w.handler(), w.consumer(), tag, w.message(), w.redelivered());
                } catch (RuntimeException e) {
                    // as a queue's own delivery failure: the message stays unacknowledged, back when the channel closes
                    LOG.warn("Delivery to consumer {} failed", w.consumer().tag(), e);
                }
            }
        } finally {
            releasing = false;
        }
    }

    private static void hand(
            DeliveryHandler handler, QueueConsumer consumer, long tag, StoredMessage m, boolean redelivered) {
        handler.onDelivery(new Delivery(
                consumer.tag(), tag, redelivered, m.exchange(), m.routingKey(), m.properties(), m.body(), -1));
    }

    /** Returns deliveries that never went out to their queues, ahead of newer messages. */
    private static void giveBack(List<ChannelPrefetch.Waiting> undelivered) {
        for (ChannelPrefetch.Waiting w : undelivered) {
            w.queue().settle(new long[] {w.message().offset()}, Queue.Outcome.REQUEUE);
        }
    }

    private static BrokerException unknownTag(long tag) {
        return new BrokerException(ErrorCode.PRECONDITION_FAILED, "unknown delivery tag " + tag);
    }

    private static void settleOnQueues(List<Unacked> settled, Queue.Outcome outcome) {
        if (settled.size() == 1) { // the usual ack, one delivery: no grouping by queue
            Unacked u = settled.getFirst();
            u.queue().settle(new long[] {u.offset()}, outcome);
            return;
        }
        Map<Queue, List<Long>> byQueue = new IdentityHashMap<>();
        for (Unacked u : settled) {
            byQueue.computeIfAbsent(u.queue(), q -> new ArrayList<>()).add(u.offset());
        }
        byQueue.forEach((q, offsets) ->
                q.settle(offsets.stream().mapToLong(Long::longValue).toArray(), outcome));
    }

    private void requeueAll() {
        List<Unacked> all;
        List<ChannelPrefetch.Waiting> undelivered;
        boolean wake;
        synchronized (this) {
            all = new ArrayList<>(unacked.values());
            unacked.clear();
            undelivered = prefetch.remove(w -> true);
            wake = settledLocked(all);
        }
        settleOnQueues(all, Queue.Outcome.REQUEUE);
        giveBack(undelivered);
        if (wake && !closed) {
            resumeDeliveries();
        }
    }

    private synchronized long nextTag() {
        return nextTag++;
    }

    /**
     * Numbers a delivery that a protocol makes without a queue (AMQP direct reply-to) in this channel's delivery-tag
     * sequence. Nothing is remembered: such a delivery is never acknowledged, as with automatic acknowledgement.
     */
    public long nextDeliveryTag() {
        return nextTag();
    }

    /** Numbers a delivery and remembers it as unacknowledged; -1 (and requeued) if the channel is closed. */
    private long track(Queue queue, long offset, boolean toConsumer) {
        synchronized (this) {
            if (!closed) {
                return trackLocked(queue, offset, toConsumer);
            }
        }
        queue.settle(new long[] {offset}, Queue.Outcome.REQUEUE);
        return -1;
    }

    /** {@link #track} of an open channel, under the lock. */
    private long trackLocked(Queue queue, long offset, boolean toConsumer) {
        long tag = nextTag++;
        unacked.put(tag, new Unacked(queue, offset, broker.config().clock().millis(), toConsumer));
        if (toConsumer) {
            prefetch.sent();
        }
        return tag;
    }

    // ------------------------------------------------------------------ lifecycle

    public boolean isClosed() {
        return closed;
    }

    /** Cancels the consumers and returns every unacknowledged message to its queue. Idempotent; does not wait. */
    @Override
    public void close() {
        closeAsync();
    }

    /**
     * {@link #close()}, completing when the queues of its consumers have let them go, and an auto-delete queue that
     * lost its last consumer is gone: what a protocol waits for before it confirms the close (AMQP's close-ok), as
     * RabbitMQ does. Completes normally also when a queue failed to take the removal (deleted, stopped). Idempotent:
     * every call returns the same future. Any thread; never blocks.
     */
    public CompletableFuture<Void> closeAsync() {
        List<ChannelConsumer> cancelled;
        CompletableFuture<Void> done;
        synchronized (this) {
            if (closed) {
                return closing;
            }
            closed = true;
            closing = done = new CompletableFuture<>();
            cancelled = new ArrayList<>(consumers.values());
            consumers.clear();
        }
        // requeue first: a consumer that goes last may auto-delete its queue, which should then see no stragglers
        // (the returns need no waiting for: whatever is asked of a queue later is done after them)
        requeueAll();
        CompletableFuture<?>[] removals = new CompletableFuture<?>[cancelled.size()];
        for (int i = 0; i < removals.length; i++) {
            ChannelConsumer c = cancelled.get(i);
            try {
                removals[i] = c.queue().removeConsumer(c.queueConsumer());
            } catch (RuntimeException e) { // its executor is shut down: the broker is stopping
                removals[i] = CompletableFuture.failedFuture(e);
            }
        }
        // the session keeps the channel until then: closing the session waits for a close already under way
        CompletableFuture.allOf(removals).whenComplete((r, e) -> {
            session.channelClosed(this);
            done.complete(null);
        });
        return done;
    }

    /**
     * Tells {@code listener} when the broker closes this channel on its own (a delivery left unacknowledged past the
     * consumer timeout), after its unacknowledged messages went back to their queues. The protocol closes its side with
     * the reason's code and words of its own ({@link ChannelCloseReason}).
     */
    public void onClosedByBroker(Consumer<ChannelCloseReason> listener) {
        onClosedByBroker = Objects.requireNonNull(listener, "listener");
    }

    /**
     * Closes the channel, as RabbitMQ does, when its oldest unacknowledged delivery is older than the consumer timeout
     * of the queue it came from ({@link Queue#consumerTimeoutMillis}: the queue's own, else {@code
     * serverTimeoutMillis}) at {@code nowMillis}: its messages are requeued and the protocol is told ({@link
     * #onClosedByBroker}). Deliveries are numbered in the order they go out, so the oldest is the lowest tag. Only the
     * oldest is looked at, as rabbit_channel does: a younger delivery from a queue with a shorter timeout waits until
     * the older ones are settled. That keeps the check one lookup per channel, whatever the number of deliveries out.
     */
    void closeIfAckTimedOut(long nowMillis, long serverTimeoutMillis) {
        long timeout;
        synchronized (this) {
            if (closed || unacked.isEmpty()) {
                return;
            }
            Unacked oldest = unacked.firstEntry().getValue();
            timeout = oldest.queue().consumerTimeoutMillis(serverTimeoutMillis);
            if (timeout == 0 || nowMillis - oldest.deliveredAt() <= timeout) {
                return;
            }
        }
        close();
        onClosedByBroker.accept(new ChannelCloseReason.AckTimedOut(timeout));
    }

    private void ensureOpen() {
        if (closed) {
            throw new BrokerException(ErrorCode.CLOSED, "channel is closed");
        }
    }

    private record ChannelConsumer(Queue queue, QueueConsumer queueConsumer, Sink sink) {}

    /** Turns a queue's hand-over into a numbered delivery for the consumer's handler. */
    private final class Sink implements DeliverySink {
        private final DeliveryHandler handler;
        private final boolean autoAck;
        /** Whether a delivery of this consumer waits in the channel-wide prefetch's line (set under the lock). */
        private volatile boolean parked;
        /** Cancelled on the channel; its queue may hand it a message before it takes the removal. */
        private volatile boolean cancelled;

        Sink(DeliveryHandler handler, boolean autoAck) {
            this.handler = handler;
            this.autoAck = autoAck;
        }

        @Override
        public void onDelivery(Queue queue, QueueConsumer consumer, StoredMessage m, boolean redelivered) {
            synchronized (Channel.this) {
                long tag;
                if (consumer.autoAck()) {
                    tag = nextTag++;
                } else if (closed || cancelled) {
                    queue.settle(new long[] {m.offset()}, Queue.Outcome.REQUEUE);
                    return;
                } else if (prefetch.mustWait()) {
                    // another queue took the channel-wide prefetch's last place since this consumer said it was ready
                    parked = true;
                    prefetch.await(new ChannelPrefetch.Waiting(
                            queue, consumer, m, redelivered, handler, () -> parked = false));
                    return;
                } else {
                    tag = trackLocked(queue, m.offset(), true);
                }
                // handed over under the lock: deliveries from several queues reach the client in tag order (as a
                // RabbitMQ channel process sends them), or an ack-multiple could settle a tag the client has not seen
                hand(handler, consumer, tag, m, redelivered);
            }
        }

        @Override
        public boolean ready() {
            // a closing channel's messages go back to the queue before its consumers leave it: handing them to these
            // consumers again would only bounce them back (track), and keep a single active consumer's successor idle
            // at a full channel-wide prefetch, a consumer that acknowledges may still take one delivery, which waits
            // its turn in the channel's line (ChannelPrefetch); auto-acknowledging ones wait, as rabbit_limiter has it
            return !closed && !cancelled && (!prefetch.full() || !autoAck && !parked) && handler.ready();
        }

        @Override
        public void onConsumerAdded(Queue queue, QueueConsumer consumer) {
            handler.onConsumeOk(consumer.tag());
        }

        @Override
        public void onCancelledByQueue(Queue queue, QueueConsumer consumer) {
            synchronized (Channel.this) {
                consumers.remove(consumer.tag());
                prefetch.remove(w -> w.consumer() == consumer); // their queue is gone: nothing to give back
            }
            handler.onCancelledByBroker(consumer.tag());
        }
    }
}
