package io.hermod.amqp.server;

import io.hermod.amqp.codec.AccessRequest;
import io.hermod.amqp.codec.AccessRequestOk;
import io.hermod.amqp.codec.AmqpMethod;
import io.hermod.amqp.codec.BasicAck;
import io.hermod.amqp.codec.BasicCancel;
import io.hermod.amqp.codec.BasicCancelOk;
import io.hermod.amqp.codec.BasicConsume;
import io.hermod.amqp.codec.BasicConsumeOk;
import io.hermod.amqp.codec.BasicDeliver;
import io.hermod.amqp.codec.BasicGet;
import io.hermod.amqp.codec.BasicGetEmpty;
import io.hermod.amqp.codec.BasicGetOk;
import io.hermod.amqp.codec.BasicNack;
import io.hermod.amqp.codec.BasicProperties;
import io.hermod.amqp.codec.BasicPublish;
import io.hermod.amqp.codec.BasicQos;
import io.hermod.amqp.codec.BasicQosOk;
import io.hermod.amqp.codec.BasicRecover;
import io.hermod.amqp.codec.BasicRecoverAsync;
import io.hermod.amqp.codec.BasicRecoverOk;
import io.hermod.amqp.codec.BasicReject;
import io.hermod.amqp.codec.BasicReturn;
import io.hermod.amqp.codec.ChannelClose;
import io.hermod.amqp.codec.ChannelCloseOk;
import io.hermod.amqp.codec.ChannelFlow;
import io.hermod.amqp.codec.ChannelFlowOk;
import io.hermod.amqp.codec.ChannelOpenOk;
import io.hermod.amqp.codec.ConfirmSelect;
import io.hermod.amqp.codec.ConfirmSelectOk;
import io.hermod.amqp.codec.ContentBodyFrame;
import io.hermod.amqp.codec.ContentHeaderFrame;
import io.hermod.amqp.codec.ExchangeBind;
import io.hermod.amqp.codec.ExchangeBindOk;
import io.hermod.amqp.codec.ExchangeDeclare;
import io.hermod.amqp.codec.ExchangeDeclareOk;
import io.hermod.amqp.codec.ExchangeDelete;
import io.hermod.amqp.codec.ExchangeDeleteOk;
import io.hermod.amqp.codec.ExchangeUnbind;
import io.hermod.amqp.codec.ExchangeUnbindOk;
import io.hermod.amqp.codec.QueueBind;
import io.hermod.amqp.codec.QueueBindOk;
import io.hermod.amqp.codec.QueueDeclare;
import io.hermod.amqp.codec.QueueDeclareOk;
import io.hermod.amqp.codec.QueueDelete;
import io.hermod.amqp.codec.QueueDeleteOk;
import io.hermod.amqp.codec.QueuePurge;
import io.hermod.amqp.codec.QueuePurgeOk;
import io.hermod.amqp.codec.QueueUnbind;
import io.hermod.amqp.codec.QueueUnbindOk;
import io.hermod.amqp.codec.TxCommit;
import io.hermod.amqp.codec.TxCommitOk;
import io.hermod.amqp.codec.TxRollback;
import io.hermod.amqp.codec.TxRollbackOk;
import io.hermod.amqp.codec.TxSelect;
import io.hermod.amqp.codec.TxSelectOk;
import io.hermod.broker.BrokerException;
import io.hermod.broker.Channel;
import io.hermod.broker.ChannelCloseReason;
import io.hermod.broker.ConsumeOptions;
import io.hermod.broker.Delivery;
import io.hermod.broker.DeliveryHandler;
import io.hermod.broker.ErrorCode;
import io.hermod.broker.ExchangeSpec;
import io.hermod.broker.Message;
import io.hermod.broker.Publication;
import io.hermod.broker.PublishResult;
import io.hermod.broker.QueueInfo;
import io.hermod.broker.QueueSpec;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * One AMQP channel: translates each method of the exchange, queue, basic, tx and confirm classes into a call on a
 * broker {@link Channel} and the answer back into methods and content (STYLE rule 5: the broker decides, this
 * translates). It assembles published content (method, header, body frames; spec 4.2.6), numbers publisher confirms,
 * buffers a transaction's work in its {@link ChannelTransaction}, serves RabbitMQ's direct reply-to pseudo-queue
 * ({@link ReplyConsumer}, {@link DirectReplyTo}), holds deliveries while the client has paused it with channel.flow
 * ({@link DeliveryGate}), writes deliveries as one buffer per message so that no other frame of the channel lands in
 * between, and turns broker errors into channel or connection exceptions through {@link ReplyCodes}.
 *
 * <p>Threading: methods and content arrive on the connection's event loop; deliveries, consume-ok and cancel
 * notifications come from queue threads, confirms and returns from broker pool threads, direct replies from the
 * publishers' event loops — those only encode and write.
 */
final class AmqpChannel {

    private static final int BASIC_CLASS = 60;
    private static final byte[] EMPTY = {};

    private final AmqpConnection connection;
    private final int id;
    private final Channel channel;
    private final DeliveryGate gate;
    private final ReplyConsumer replies;

    // event loop only
    private boolean closing;
    private boolean closedByClient; // the client sent channel.close: close-ok is on its way
    private String lastDeclaredQueue = "";
    private PendingPublish pending;
    private PublisherConfirms confirms; // non-null once confirm.select put the channel in confirm mode
    private ChannelTransaction tx; // non-null once tx.select put the channel in tx mode
    private int prefetchCount;
    private long prefetchBytes;

    /**
     * A basic.publish whose content is still arriving. A body in one frame is copied from it into its array, the one
     * copy the message's bytes take on their way in; a body in several frames is gathered as retained slices of the
     * frames (bounded by the bytes that arrived, not by what the header announced) and copied once when complete.
     */
    private static final class PendingPublish {
        final BasicPublish method;
        byte[] properties;
        BasicProperties decoded;
        CompositeByteBuf parts; // the body frames so far, while the body spans several; event loop only
        int received;
        int size;

        PendingPublish(BasicPublish method) {
            this.method = method;
        }

        void discard() {
            if (parts != null) {
                parts.release();
                parts = null;
            }
        }
    }

    AmqpChannel(AmqpConnection connection, int id, Channel channel) {
        this.connection = connection;
        this.id = id;
        this.channel = channel;
        this.gate = new DeliveryGate(connection);
        this.replies = new ReplyConsumer(connection, id, channel, gate);
        channel.onClosedByBroker(reason -> connection.context().executor().execute(() -> onClosedByBroker(reason)));
    }

    /** The broker closed the channel (a delivery unacknowledged past the consumer timeout): close ours, as RabbitMQ. */
    private void onClosedByBroker(ChannelCloseReason reason) {
        if (!closing) {
            ReplyCodes.Reply reply = ReplyCodes.of(reason.code());
            fail(new ProtocolError(reply.code(), reply.closesConnection(), closeText(reason), 0, 0));
        }
    }

    /** rabbit_channel's words for each reason, with this channel's number. */
    private String closeText(ChannelCloseReason reason) {
        return switch (reason) {
            case ChannelCloseReason.AckTimedOut t ->
                "delivery acknowledgement on channel " + id + " timed out. Timeout value used: " + t.timeoutMillis()
                        + " ms. This timeout value can be configured, see consumers doc guide to learn more";
        };
    }

    int id() {
        return id;
    }

    void onOpen() {
        connection.send(id, new ChannelOpenOk(""));
    }

    /** What management tools show of this channel. Event loop. */
    ChannelInfo info(ConnectionInfo connectionInfo) {
        return new ChannelInfo(
                connectionInfo,
                id,
                channel.unackedCount(),
                prefetchCount,
                confirms != null,
                tx != null,
                channel.consumers());
    }

    /** The socket can take more: let the queues deliver to this channel's consumers again. */
    void resumeDeliveries() {
        channel.resumeDeliveries();
    }

    /** The connection went away or is closing: give every unacknowledged message back. */
    void release() {
        closeBrokerChannel();
    }

    /**
     * Ends the channel's broker side: held deliveries are dropped (their messages are unacknowledged, so they go back to
     * their queues with the rest), the reply consumer goes, an open transaction is discarded. Completes as {@link
     * Channel#closeAsync}.
     */
    private CompletableFuture<Void> closeBrokerChannel() {
        if (connection.inEventLoop()) {
            discardPending();
        } else {
            connection.onEventLoop(this::discardPending);
        }
        gate.shut();
        replies.cancel();
        if (tx != null) {
            tx.rollback();
        }
        return channel.closeAsync();
    }

    // ------------------------------------------------------------------ dispatch

    void onMethod(AmqpMethod method) {
        if (closing) {
            if (method instanceof ChannelCloseOk) {
                connection.channelClosed(id);
            } else if (method instanceof ChannelClose && !closedByClient) {
                connection.send(id, new ChannelCloseOk()); // both sides closed at once
            }
            return; // spec 2.2.4: after channel.close, everything but close and close-ok is discarded
        }
        if (pending != null) {
            throw ProtocolError.connection(
                    ReplyCodes.UNEXPECTED_FRAME,
                    "expected content header for class 60, got non content header frame instead");
        }
        try {
            handle(QueueShortcuts.expand(method, lastDeclaredQueue));
        } catch (BrokerException e) {
            ReplyCodes.Reply reply = ReplyCodes.of(e.code());
            fail(new ProtocolError(
                    reply.code(), reply.closesConnection(), e.getMessage(), method.classId(), method.methodId()));
        } catch (ProtocolError e) {
            fail(e);
        }
    }

    private void fail(ProtocolError e) {
        if (e.closesConnection()) {
            throw e;
        }
        closing = true;
        closeBrokerChannel(); // its unacknowledged messages go back to their queues now
        connection.send(id, new ChannelClose(e.replyCode(), e.replyText(), e.classId(), e.methodId()));
    }

    private void handle(AmqpMethod method) {
        if (tx != null && tx.committing() && !(method instanceof ChannelClose)) {
            // as rabbit_channel: the client must wait for commit-ok
            throw new ProtocolError(
                    ReplyCodes.CHANNEL_ERROR,
                    true,
                    "unexpected command while processing 'tx.commit'",
                    method.classId(),
                    method.methodId());
        }
        switch (method) {
            case ChannelClose close -> {
                // close-ok once the broker side is closed: as RabbitMQ, an auto-delete queue that lost its last
                // consumer is gone by then, so that the client's next declare does not find it about to go
                closing = true;
                closedByClient = true;
                closeBrokerChannel().whenComplete((r, e) -> connection.onEventLoop(() -> connection.closeOk(this)));
            }
            case ChannelFlow flow -> {
                // spec 1.5.2.3: active=false stops deliveries to this channel's consumers until active=true
                gate.active(flow.active());
                connection.send(id, new ChannelFlowOk(flow.active()));
                if (flow.active()) {
                    channel.resumeDeliveries();
                }
            }
            case ExchangeDeclare m -> {
                if (m.passive()) {
                    channel.declareExchangePassive(m.exchange());
                } else {
                    channel.declareExchange(new ExchangeSpec(
                            m.exchange(), m.type(), m.durable(), m.autoDelete(), m.internal(), m.arguments()));
                }
                reply(m.noWait(), new ExchangeDeclareOk());
            }
            case ExchangeDelete m -> {
                channel.deleteExchange(m.exchange(), m.ifUnused());
                reply(m.noWait(), new ExchangeDeleteOk());
            }
            case ExchangeBind m -> {
                channel.bindExchange(m.destination(), m.source(), m.routingKey(), m.arguments());
                reply(m.noWait(), new ExchangeBindOk());
            }
            case ExchangeUnbind m -> {
                channel.unbindExchange(m.destination(), m.source(), m.routingKey(), m.arguments());
                reply(m.noWait(), new ExchangeUnbindOk());
            }
            case QueueDeclare m when DirectReplyTo.isPseudoQueue(m.queue()) -> declareReplyTo(m);
            case QueueDeclare m -> {
                QueueInfo info = m.passive()
                        ? channel.declareQueuePassive(m.queue())
                        : channel.declareQueue(
                                new QueueSpec(m.queue(), m.durable(), m.exclusive(), m.autoDelete(), m.arguments()));
                lastDeclaredQueue = info.name(); // what an empty queue name means from now on (QueueShortcuts)
                reply(m.noWait(), new QueueDeclareOk(info.name(), (int) info.messageCount(), info.consumerCount()));
            }
            case QueueBind m -> {
                channel.bindQueue(m.queue(), m.exchange(), m.routingKey(), m.arguments());
                reply(m.noWait(), new QueueBindOk());
            }
            case QueueUnbind m -> {
                channel.unbindQueue(m.queue(), m.exchange(), m.routingKey(), m.arguments());
                connection.send(id, new QueueUnbindOk());
            }
            case QueuePurge m -> {
                long purged = channel.purgeQueue(m.queue());
                reply(m.noWait(), new QueuePurgeOk((int) purged));
            }
            case QueueDelete m -> {
                long deleted = channel.deleteQueue(m.queue(), m.ifUnused(), m.ifEmpty());
                reply(m.noWait(), new QueueDeleteOk((int) deleted));
            }
            case BasicQos m -> qos(m);
            case BasicConsume m
            when m.queue().equals(DirectReplyTo.QUEUE) -> {
                String tag = replies.consume(m);
                reply(m.noWait(), new BasicConsumeOk(tag));
            }
            case BasicConsume m -> consume(m);
            case BasicCancel m
            when replies.hasTag(m.consumerTag()) -> {
                replies.cancel();
                reply(m.noWait(), new BasicCancelOk(m.consumerTag()));
            }
            case BasicCancel m -> {
                channel.cancel(m.consumerTag());
                // deliveries held by channel.flow must not follow cancel-ok: they go back to their queue
                for (long held : gate.drop(m.consumerTag())) {
                    channel.nack(held, false, true);
                }
                reply(m.noWait(), new BasicCancelOk(m.consumerTag()));
            }
            case BasicPublish m -> {
                if (m.immediate()) {
                    // as rabbit_channel (RabbitMQ 3.0 dropped immediate): a connection error, the content discarded
                    throw new BrokerException(ErrorCode.NOT_IMPLEMENTED, "immediate=true");
                }
                pending = new PendingPublish(m);
                connection.onPublish();
            }
            case BasicGet m -> get(m);
            case BasicAck m -> {
                if (tx == null) {
                    channel.ack(m.deliveryTag(), m.multiple());
                } else {
                    tx.settle(m.deliveryTag(), m.multiple(), true, false);
                }
            }
            case BasicNack m -> {
                if (tx == null) {
                    channel.nack(m.deliveryTag(), m.multiple(), m.requeue());
                } else {
                    tx.settle(m.deliveryTag(), m.multiple(), false, m.requeue());
                }
            }
            case BasicReject m -> {
                if (tx == null) {
                    channel.reject(m.deliveryTag(), m.requeue());
                } else {
                    tx.settle(m.deliveryTag(), false, false, m.requeue());
                }
            }
            case BasicRecover m -> {
                channel.recover(m.requeue());
                connection.send(id, new BasicRecoverOk());
            }
            case BasicRecoverAsync m -> channel.recover(m.requeue());
            case ConfirmSelect m -> {
                if (tx != null) {
                    throw preconditionFailed("cannot switch from tx to confirm mode", m);
                }
                if (confirms == null) {
                    confirms = new PublisherConfirms();
                }
                reply(m.noWait(), new ConfirmSelectOk());
            }
            case TxSelect m -> {
                if (confirms != null) {
                    throw preconditionFailed("cannot switch from confirm to tx mode", m);
                }
                if (tx == null) {
                    tx = new ChannelTransaction(channel);
                }
                connection.send(id, new TxSelectOk());
            }
            case TxCommit m -> commit(m);
            case TxRollback m -> {
                requireTx(m).rollback();
                connection.send(id, new TxRollbackOk());
            }
            // AMQP 0-8's access class, still in RabbitMQ's 0-9-1 spec for old clients: rabbit_channel grants ticket 1
            // whatever the realm (permissions are checked on each operation instead)
            case AccessRequest m -> connection.send(id, new AccessRequestOk(1));
            default ->
                throw new ProtocolError(
                        ReplyCodes.COMMAND_INVALID,
                        true,
                        "method " + method.name() + " is not allowed on a channel",
                        method.classId(),
                        method.methodId());
        }
    }

    /**
     * basic.qos as RabbitMQ 3.3+ reads it (rabbit_channel): {@code global=false} sets the prefetch of the consumers
     * started from now on, {@code global=true} a prefetch all the channel's consumers share, at once. A delivery needs
     * room in both. As RabbitMQ since 3.7, a per-consumer qos also lifts the shared one, so both hold when the shared
     * one is set last. The shared one counts messages only: RabbitMQ refuses a prefetch size altogether, Hermod only
     * there (a consumer's own prefetch may bound bytes).
     */
    private void qos(BasicQos m) {
        long size = Integer.toUnsignedLong(m.prefetchSize()); // spec: an unsigned 32-bit long
        if (m.global()) {
            if (size != 0) {
                throw new BrokerException(ErrorCode.NOT_IMPLEMENTED, "prefetch_size!=0 (" + size + ")");
            }
            channel.channelPrefetch(m.prefetchCount());
        } else {
            prefetchCount = m.prefetchCount();
            prefetchBytes = size;
            channel.channelPrefetch(0);
        }
        connection.send(id, new BasicQosOk());
    }

    private void reply(boolean nowait, AmqpMethod ok) {
        if (!nowait) {
            connection.send(id, ok);
        }
    }

    private static ProtocolError preconditionFailed(String text, AmqpMethod method) {
        return new ProtocolError(ReplyCodes.PRECONDITION_FAILED, false, text, method.classId(), method.methodId());
    }

    // ------------------------------------------------------------------ tx (spec 1.9)

    private ChannelTransaction requireTx(AmqpMethod method) {
        if (tx == null) {
            throw preconditionFailed("channel is not transactional", method);
        }
        return tx;
    }

    /** Applies the transaction in order; commit-ok goes out once every publish in it has been taken by its queues. */
    private void commit(TxCommit m) {
        ChannelTransaction transaction = requireTx(m);
        CompletableFuture<Void> done = transaction.commit(p -> {
            Message message = p.message();
            return route(message).thenAccept(r -> {
                if (p.mandatory() && !r.routed()) {
                    returnUnroutable(message); // before commit-ok, as RabbitMQ
                }
            });
        });
        done.whenComplete((ignored, failure) -> connection.context().executor().execute(() -> {
            transaction.commitDone();
            if (closing) {
                return;
            }
            if (failure == null) {
                connection.send(id, new TxCommitOk());
            } else {
                fail(preconditionFailed("partial tx completion", m)); // a queue could not store a message
            }
        }));
    }

    // ------------------------------------------------------------------ direct reply-to

    /** queue.declare of the pseudo-queue or of a reply address: a probe, never a real queue (as rabbit_channel). */
    private void declareReplyTo(QueueDeclare m) {
        if (!connection.directReplyTo().exists(connection.vhost(), m.queue())) {
            throw new ProtocolError(
                    ReplyCodes.NOT_FOUND,
                    false,
                    "no queue '" + m.queue() + "' in vhost '" + connection.vhost() + "'",
                    m.classId(),
                    m.methodId());
        }
        reply(m.noWait(), new QueueDeclareOk(m.queue(), 0, 1));
    }

    // ------------------------------------------------------------------ publishing

    void onContentHeader(ContentHeaderFrame header) {
        if (closing) {
            return;
        }
        if (pending == null || pending.properties != null) {
            throw ProtocolError.connection(ReplyCodes.UNEXPECTED_FRAME, "content header without a basic.publish");
        }
        if (header.classId() != BASIC_CLASS) { // rabbit_command_assembler's words
            throw ProtocolError.connection(
                    ReplyCodes.UNEXPECTED_FRAME,
                    "expected content header for class 60, got one for class " + header.classId() + " instead");
        }
        long size = header.bodySize();
        if (size > connection.maxMessageBytes()) {
            fail(new ProtocolError(
                    ReplyCodes.PRECONDITION_FAILED,
                    false,
                    "message size " + size + " is larger than configured max size " + connection.maxMessageBytes(),
                    BASIC_CLASS,
                    40));
            return; // the body frames that follow are dropped: the channel is closing
        }
        ByteBuf props = header.properties();
        pending.properties = new byte[props.readableBytes()];
        props.getBytes(props.readerIndex(), pending.properties);
        pending.decoded = BasicProperties.decode(props.duplicate());
        pending.size = (int) size;
        if (size == 0) {
            publish(EMPTY);
        }
    }

    void onContentBody(ContentBodyFrame frame) {
        if (closing) {
            return;
        }
        if (pending == null || pending.properties == null) {
            throw ProtocolError.connection(ReplyCodes.UNEXPECTED_FRAME, "content body without a content header");
        }
        ByteBuf payload = frame.payload();
        int n = payload.readableBytes();
        if (pending.received + n > pending.size) {
            throw ProtocolError.connection(
                    ReplyCodes.FRAME_ERROR, "content body frames exceed the announced body size " + pending.size);
        }
        if (pending.received == 0 && n == pending.size) {
            byte[] body = new byte[n];
            payload.getBytes(payload.readerIndex(), body);
            publish(body);
            return;
        }
        if (pending.parts == null) {
            pending.parts = connection.alloc().compositeBuffer(Integer.MAX_VALUE);
        }
        pending.parts.addComponent(true, payload.retainedSlice());
        pending.received += n;
        if (pending.received == pending.size) {
            byte[] body = new byte[pending.size];
            pending.parts.getBytes(0, body);
            publish(body);
        }
    }

    /** Drops a publish whose content had not all arrived when the channel closed. Event loop. */
    private void discardPending() {
        if (pending != null) {
            pending.discard();
            pending = null;
        }
    }

    private void publish(byte[] body) {
        PendingPublish p = pending;
        p.discard();
        pending = null;
        BasicPublish m = p.method;
        Map<String, Object> headers = p.decoded.headers() == null ? Map.of() : p.decoded.headers();
        Integer mode = p.decoded.deliveryMode();
        PublisherConfirms confirming = confirms;
        long seq = confirming != null ? confirming.next() : 0;
        CompletableFuture<PublishResult> result;
        Message message;
        try {
            message = new Message(
                    m.exchange(),
                    m.routingKey(),
                    headers,
                    mode != null && mode == 2,
                    replies.rewrite(p.decoded, p.properties),
                    body,
                    Expiration.parse(p.decoded.expiration()),
                    p.decoded.priority() == null ? 0 : Math.max(0, Math.min(255, p.decoded.priority())));
            if (tx != null) {
                channel.checkPublish(m.exchange()); // refused now, as RabbitMQ, not at commit half-way through
                tx.publish(message, m.mandatory());
                return;
            }
            result = route(message);
        } catch (BrokerException e) {
            ReplyCodes.Reply reply = ReplyCodes.of(e.code());
            fail(new ProtocolError(reply.code(), reply.closesConnection(), e.getMessage(), BASIC_CLASS, 40));
            return;
        } catch (ProtocolError e) {
            fail(e);
            return;
        }
        result.whenComplete((r, failure) -> {
            if (failure == null && m.mandatory() && !r.routed()) {
                returnUnroutable(message);
            }
            if (confirming != null && confirming.settled(seq, failure == null)) {
                connection.context().executor().execute(() -> {
                    if (!closing) {
                        confirming.flush(confirm -> connection.send(id, confirm));
                    }
                });
            }
        });
    }

    /**
     * Routes a message: a publish to a reply address goes straight to its reply consumer (direct reply-to), anything
     * else to the broker.
     */
    private CompletableFuture<PublishResult> route(Message message) {
        if (DirectReplyTo.isReplyAddress(message.exchange(), message.routingKey())) {
            channel.checkPublish(message.exchange()); // a write to amq.default, as any publish to it
            boolean delivered = connection.directReplyTo().deliver(connection.vhost(), channel.withoutBcc(message));
            return CompletableFuture.completedFuture(PublishResult.routedTo(delivered ? 1 : 0));
        }
        Publication publication = channel.publishRouted(message);
        connection.publishing(message.body().length, publication.targets(), publication.result());
        return publication.result();
    }

    /** basic.return of an unroutable mandatory message (RabbitMQ's NO_ROUTE); any thread. */
    private void returnUnroutable(Message message) {
        Message returned = channel.withoutBcc(message); // as RabbitMQ's: BCC went before routing
        connection.sendEncoded(connection.encodeCommand(
                id,
                new BasicReturn(ReplyCodes.NO_ROUTE, "NO_ROUTE", returned.exchange(), returned.routingKey()),
                Unpooled.wrappedBuffer(returned.properties()),
                Unpooled.wrappedBuffer(returned.body())));
    }

    // ------------------------------------------------------------------ consuming

    private void consume(BasicConsume m) {
        if (replies.hasTag(m.consumerTag())) {
            throw new ProtocolError(
                    ReplyCodes.NOT_ALLOWED,
                    true,
                    "attempt to reuse consumer tag '" + m.consumerTag() + "'",
                    m.classId(),
                    m.methodId());
        }
        ConsumeOptions options = new ConsumeOptions(
                m.consumerTag(), m.noAck(), m.exclusive(), prefetchCount, prefetchBytes, m.arguments());
        boolean nowait = m.noWait();
        channel.consume(m.queue(), options, new DeliveryHandler() {
            @Override
            public boolean ready() {
                // the queue keeps the messages while the socket is backed up or the client paused the channel
                return connection.writable() && gate.isOpen();
            }

            @Override
            public void onConsumeOk(String consumerTag) {
                if (!nowait) {
                    connection.send(id, new BasicConsumeOk(consumerTag));
                }
            }

            @Override
            public void onDelivery(Delivery d) {
                ByteBuf frames = encode(
                        new BasicDeliver(
                                d.consumerTag(), d.deliveryTag(), d.redelivered(), d.exchange(), d.routingKey()),
                        d);
                gate.send(d.consumerTag(), d.deliveryTag(), !m.noAck(), frames);
            }

            @Override
            public void onCancelledByBroker(String consumerTag) {
                gate.drop(consumerTag); // its queue is gone: nothing to give back
                if (connection.clientCapability("consumer_cancel_notify")) {
                    connection.send(id, new BasicCancel(consumerTag, true));
                }
            }
        });
    }

    private void get(BasicGet m) {
        Optional<Delivery> got = channel.get(m.queue(), m.noAck());
        if (got.isEmpty()) {
            connection.send(id, new BasicGetEmpty(""));
            return;
        }
        Delivery d = got.get();
        connection.sendEncoded(encode(
                new BasicGetOk(d.deliveryTag(), d.redelivered(), d.exchange(), d.routingKey(), (int) d.messageCount()),
                d));
    }

    /** Encodes the method, the content header and the body frames into one buffer (the caller's); any thread. */
    private ByteBuf encode(AmqpMethod method, Delivery d) {
        return connection.encodeCommand(id, method, d.properties(), d.body());
    }
}
