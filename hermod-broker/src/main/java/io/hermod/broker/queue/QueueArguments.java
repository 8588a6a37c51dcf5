package io.hermod.broker.queue;

import static io.hermod.broker.definitions.Arguments.typeName;

import io.hermod.broker.BrokerException;
import io.hermod.broker.ErrorCode;
import java.math.BigDecimal;
import java.util.Map;

/**
 * The typed view of a queue's {@code x-} arguments, and their validation at declare as RabbitMQ does it
 * (rabbit_amqqueue:check_declare_arguments/2 with declare_args/0, and rabbit_channel's check of {@code
 * x-dead-letter-exchange}). Numeric arguments are integers of any AMQP width; {@link #NONE} stands for an absent one.
 *
 * <p>{@link #validate} refuses what RabbitMQ refuses, with its message ("invalid arg 'x-max-length' for queue 'q' in
 * vhost '/': {value_negative,-1}"). {@link #of} never refuses: it reads the arguments of a queue that is already
 * defined (recovered from the definitions log, perhaps declared before this validation existed), and an argument
 * RabbitMQ would have refused counts as absent.
 *
 * <p>Queue types: Hermod's queues are classic-like, so {@code x-queue-type} {@code classic} (or no type) is accepted and
 * {@code quorum} and {@code stream} are refused with RabbitMQ's message for a type it does not know ("unsupported queue
 * type 'quorum'"). Accepting them would silently give other semantics than the client asked for (a stream's
 * non-destructive reads, a quorum queue's replication and default delivery limit); refusing now and accepting later
 * breaks nobody, the reverse would. {@code x-delivery-limit}, which RabbitMQ takes on quorum queues only, is accepted:
 * Hermod's queues have delivery limits (issue 4). {@code x-consumer-timeout} (RabbitMQ 3.12's per-queue consumer
 * timeout) is checked as a non-negative integer, with check_non_neg_int_arg's errors.
 *
 * <p>Threading: an immutable value.
 *
 * @param messageTtl {@code x-message-ttl} in milliseconds, 0 to 2^32-1
 * @param expires {@code x-expires} in milliseconds, 1 to 2^32-1
 * @param maxLength {@code x-max-length}, messages
 * @param maxLengthBytes {@code x-max-length-bytes}
 * @param overflow {@code x-overflow}; {@link Overflow#DROP_HEAD} when absent, as RabbitMQ
 * @param deadLetterExchange {@code x-dead-letter-exchange}; null when absent
 * @param deadLetterRoutingKey {@code x-dead-letter-routing-key}; null when absent (the message's own keys are used)
 * @param maxPriority {@code x-max-priority}, 0 to 255; 0 when absent
 * @param singleActiveConsumer {@code x-single-active-consumer}
 * @param deliveryLimit {@code x-delivery-limit}; {@link #NONE} when absent or negative (no limit, as RabbitMQ 4's -1)
 * @param consumerTimeout {@code x-consumer-timeout} in milliseconds (RabbitMQ 3.12's): how long a delivery from this
 *     queue may stay unacknowledged, instead of the broker's {@code consumer_timeout}; 0 for no limit; {@link #NONE}
 *     when absent
 * @param queueType {@code x-queue-type}; {@code classic} when absent
 * @param retry Hermod's retry back-off ({@code x-retry-delay} and its companions); null when absent
 */
public record QueueArguments(
        long messageTtl,
        long expires,
        long maxLength,
        long maxLengthBytes,
        Overflow overflow,
        String deadLetterExchange,
        String deadLetterRoutingKey,
        int maxPriority,
        boolean singleActiveConsumer,
        long deliveryLimit,
        long consumerTimeout,
        String queueType,
        RetryBackoff retry) {

    /** An absent numeric argument. */
    public static final long NONE = -1;

    public static final String MESSAGE_TTL = "x-message-ttl";
    public static final String EXPIRES = "x-expires";
    public static final String MAX_LENGTH = "x-max-length";
    public static final String MAX_LENGTH_BYTES = "x-max-length-bytes";
    public static final String OVERFLOW = "x-overflow";
    public static final String DEAD_LETTER_EXCHANGE = "x-dead-letter-exchange";
    public static final String DEAD_LETTER_ROUTING_KEY = "x-dead-letter-routing-key";
    public static final String MAX_PRIORITY = "x-max-priority";
    public static final String SINGLE_ACTIVE_CONSUMER = "x-single-active-consumer";
    public static final String DELIVERY_LIMIT = "x-delivery-limit";
    public static final String CONSUMER_TIMEOUT = "x-consumer-timeout";
    public static final String QUEUE_TYPE = "x-queue-type";
    /**
     * RabbitMQ's classic-queue mode, {@code default} or {@code lazy}: checked, nothing more; a Hermod queue keeps its
     * ready messages in its log either way (lazy is what it always is).
     */
    public static final String QUEUE_MODE = "x-queue-mode";

    public static final String CLASSIC = "classic";

    /** rabbit_misc's MAX_EXPIRY_TIMER: the largest TTL or expiry (Erlang's send_after limit). */
    static final long MAX_EXPIRY = 4_294_967_295L;

    /** RabbitMQ's MAX_SUPPORTED_PRIORITY. */
    static final int MAX_SUPPORTED_PRIORITY = 255;

    /** What a full queue does with a new message ({@code x-overflow}). */
    public enum Overflow {
        DROP_HEAD("drop-head"),
        REJECT_PUBLISH("reject-publish"),
        REJECT_PUBLISH_DLX("reject-publish-dlx");

        private final String argument;

        Overflow(String argument) {
            this.argument = argument;
        }

        public String argument() {
            return argument;
        }

        static Overflow byArgument(String value) {
            for (Overflow o : values()) {
                if (o.argument.equals(value)) {
                    return o;
                }
            }
            return null;
        }
    }

    /** The arguments of a queue without any: RabbitMQ's defaults. */
    public static final QueueArguments DEFAULTS = new QueueArguments(
            NONE, NONE, NONE, NONE, Overflow.DROP_HEAD, null, null, 0, false, NONE, NONE, CLASSIC, null);

    /**
     * Validates the arguments of a queue being declared, in RabbitMQ's order, and returns their typed view.
     *
     * @throws BrokerException {@code PRECONDITION_FAILED} with RabbitMQ's message for the first bad argument
     */
    public static QueueArguments validate(String vhost, String queue, Map<String, Object> arguments) {
        String what = "queue '" + queue + "' in vhost '" + vhost + "'";
        // rabbit_channel, before rabbit_amqqueue:declare: the dead-letter exchange must be a string (an exchange name)
        if (arguments.containsKey(DEAD_LETTER_EXCHANGE) && !(arguments.get(DEAD_LETTER_EXCHANGE) instanceof String)) {
            throw new BrokerException(
                    ErrorCode.PRECONDITION_FAILED,
                    "invalid type '" + typeName(arguments.get(DEAD_LETTER_EXCHANGE)) + "' for arg '"
                            + DEAD_LETTER_EXCHANGE + "' in " + what);
        }
        return parse(arguments, (key, error) -> {
            throw new BrokerException(
                    ErrorCode.PRECONDITION_FAILED, "invalid arg '" + key + "' for " + what + ": " + error);
        });
    }

    /** The typed view of the arguments of a queue already defined; what RabbitMQ would refuse counts as absent. */
    public static QueueArguments of(Map<String, Object> arguments) {
        return parse(arguments, (key, error) -> {});
    }

    /** Hears of an invalid argument: throws to refuse it, or returns to take it as absent. */
    private interface Invalid {
        void onInvalid(String key, String error);
    }

    /** An argument's value or why it is refused, in RabbitMQ's terms ({@code {value_negative,-1}}). */
    private record Checked(Object value, String error) {
        static Checked ok(Object value) {
            return new Checked(value, null);
        }

        static Checked error(String error) {
            return new Checked(null, error);
        }
    }

    /** rabbit_amqqueue:declare_args/0, in its order (which decides which error a declare with several gets). */
    private static QueueArguments parse(Map<String, Object> arguments, Invalid invalid) {
        // check_declare_arguments checks the queue type before the rest
        String queueType = (String) read(arguments, QUEUE_TYPE, CLASSIC, QueueArguments::queueType, invalid);
        long expires = (Long) read(arguments, EXPIRES, NONE, v -> expiry(v, true), invalid);
        long messageTtl = (Long) read(arguments, MESSAGE_TTL, NONE, v -> expiry(v, false), invalid);
        String dlx = (String) read(arguments, DEAD_LETTER_EXCHANGE, null, QueueArguments::string, invalid);
        String dlrk = (String) read(
                arguments,
                DEAD_LETTER_ROUTING_KEY,
                null,
                v -> deadLetterRoutingKey(v, arguments.containsKey(DEAD_LETTER_EXCHANGE)),
                invalid);
        long maxLength = (Long) read(arguments, MAX_LENGTH, NONE, QueueArguments::nonNegative, invalid);
        long maxLengthBytes = (Long) read(arguments, MAX_LENGTH_BYTES, NONE, QueueArguments::nonNegative, invalid);
        long maxPriority = (Long) read(arguments, MAX_PRIORITY, 0L, QueueArguments::maxPriority, invalid);
        Overflow overflow = (Overflow) read(arguments, OVERFLOW, Overflow.DROP_HEAD, QueueArguments::overflow, invalid);
        read(arguments, QUEUE_MODE, null, QueueArguments::queueMode, invalid);
        boolean sac = (Boolean) read(arguments, SINGLE_ACTIVE_CONSUMER, false, QueueArguments::bool, invalid);
        long deliveryLimit = (Long) read(arguments, DELIVERY_LIMIT, NONE, QueueArguments::integer, invalid);
        long consumerTimeout = (Long) read(arguments, CONSUMER_TIMEOUT, NONE, QueueArguments::nonNegative, invalid);
        RetryBackoff retry = retry(arguments, invalid);
        return new QueueArguments(
                messageTtl,
                expires,
                maxLength,
                maxLengthBytes,
                overflow,
                dlx,
                dlrk,
                (int) maxPriority,
                sac,
                deliveryLimit < 0 ? NONE : deliveryLimit,
                consumerTimeout,
                queueType,
                retry);
    }

    /** Hermod's retry back-off arguments (no RabbitMQ equivalent), checked in RabbitMQ's manner; null when absent. */
    private static RetryBackoff retry(Map<String, Object> arguments, Invalid invalid) {
        boolean on = arguments.containsKey(RetryBackoff.DELAY);
        long delay = (Long) read(arguments, RetryBackoff.DELAY, NONE, v -> expiry(v, false), invalid);
        double multiplier = (Double) read(
                arguments,
                RetryBackoff.MULTIPLIER,
                RetryBackoff.DEFAULT_MULTIPLIER,
                v -> retryOption(number(v, 1, 1000), on),
                invalid);
        long maxDelay = (Long) read(
                arguments,
                RetryBackoff.MAX_DELAY,
                RetryBackoff.DEFAULT_MAX_DELAY,
                v -> retryOption(expiry(v, false), on),
                invalid);
        double jitter =
                (Double) read(arguments, RetryBackoff.JITTER, 0.0, v -> retryOption(number(v, 0, 1), on), invalid);
        return delay == NONE ? null : new RetryBackoff(delay, multiplier, maxDelay, jitter);
    }

    /** A retry option is refused without {@code x-retry-delay}, as a dead-letter routing key without an exchange. */
    private static Checked retryOption(Checked c, boolean retryOn) {
        return c.error() == null && !retryOn ? Checked.error("retry_option_but_no_retry_delay") : c;
    }

    /** A number of any AMQP numeric type within {@code [min, max]}, as a double. */
    private static Checked number(Object value, double min, double max) {
        double v;
        switch (value) {
            case Byte b -> v = b;
            case Short s -> v = s;
            case Integer i -> v = i;
            case Long l -> v = l;
            case Float f -> v = f;
            case Double d -> v = d;
            case BigDecimal d -> v = d.doubleValue();
            case null, default -> {
                return Checked.error("\"expected number, got " + typeName(value) + "\"");
            }
        }
        if (!(v >= min)) {
            return Checked.error("{value_too_small," + value + "}");
        }
        if (v > max) {
            return Checked.error("{value_too_big," + value + "}");
        }
        return Checked.ok(v);
    }

    private static Object read(
            Map<String, Object> arguments,
            String key,
            Object absent,
            java.util.function.Function<Object, Checked> check,
            Invalid invalid) {
        // a key present with a void value is present, as rabbit_misc:table_lookup answers {void, undefined}
        if (!arguments.containsKey(key)) {
            return absent;
        }
        Checked c = check.apply(arguments.get(key));
        if (c.error() == null) {
            return c.value();
        }
        invalid.onInvalid(key, c.error());
        return absent;
    }

    // ------------------------------------------------------------------ RabbitMQ's checks

    /** check_int_arg: any AMQP integer width, nothing else. */
    private static Checked integer(Object value) {
        return switch (value) {
            case Byte b -> Checked.ok((long) b);
            case Short s -> Checked.ok((long) s);
            case Integer i -> Checked.ok((long) i);
            case Long l -> Checked.ok(l);
            case null, default -> Checked.error("\"expected integer, got " + typeName(value) + "\"");
        };
    }

    /** check_non_neg_int_arg. */
    private static Checked nonNegative(Object value) {
        Checked c = integer(value);
        if (c.error() == null && (Long) c.value() < 0) {
            return Checked.error("{value_negative," + c.value() + "}");
        }
        return c;
    }

    /** check_expires_arg (zero refused) and check_message_ttl_arg, both then rabbit_misc:check_expiry. */
    private static Checked expiry(Object value, boolean zeroRefused) {
        Checked c = integer(value);
        if (c.error() != null) {
            return c;
        }
        long v = (Long) c.value();
        if (zeroRefused && v == 0) {
            return Checked.error("{value_zero,0}");
        }
        if (v > MAX_EXPIRY) {
            return Checked.error("{value_too_big," + v + "}");
        }
        if (v < 0) {
            return Checked.error("{value_negative," + v + "}");
        }
        return c;
    }

    /** check_max_priority_arg. */
    private static Checked maxPriority(Object value) {
        Checked c = nonNegative(value);
        if (c.error() == null && (Long) c.value() > MAX_SUPPORTED_PRIORITY) {
            return Checked.error("{max_value_exceeded," + c.value() + "}");
        }
        return c;
    }

    /** check_dlxname_arg (its type was checked first, as rabbit_channel does). */
    private static Checked string(Object value) {
        return value instanceof String s ? Checked.ok(s) : Checked.error("{unacceptable_type," + typeName(value) + "}");
    }

    /** check_dlxrk_arg: a string, and only with a dead-letter exchange. */
    private static Checked deadLetterRoutingKey(Object value, boolean hasDeadLetterExchange) {
        Checked c = string(value);
        if (c.error() == null && !hasDeadLetterExchange) {
            return Checked.error("routing_key_but_no_dlx_defined");
        }
        return c;
    }

    /** check_overflow. */
    private static Checked overflow(Object value) {
        if (!(value instanceof String s)) {
            return Checked.error("{unacceptable_type," + typeName(value) + "}");
        }
        Overflow o = Overflow.byArgument(s);
        return o == null ? Checked.error("invalid_overflow") : Checked.ok(o);
    }

    /** check_queue_mode. */
    private static Checked queueMode(Object value) {
        if (!(value instanceof String s)) {
            return Checked.error("{unacceptable_type," + typeName(value) + "}");
        }
        return s.equals("default") || s.equals("lazy") ? Checked.ok(s) : Checked.error("invalid_queue_mode");
    }

    /** check_single_active_consumer_arg (check_bool_arg). */
    private static Checked bool(Object value) {
        return value instanceof Boolean b
                ? Checked.ok(b)
                : Checked.error("{unacceptable_type," + typeName(value) + "}");
    }

    /** check_queue_type, with Hermod's one type (see the class comment). */
    private static Checked queueType(Object value) {
        if (!(value instanceof String s)) {
            return Checked.error("{unacceptable_type," + typeName(value) + "}");
        }
        return s.equals(CLASSIC) ? Checked.ok(s) : Checked.error("\"unsupported queue type '" + s + "'\"");
    }
}
