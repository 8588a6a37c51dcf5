package io.hermod.broker.delay;

import io.hermod.broker.Message;
import io.hermod.broker.PropertiesFormat;
import io.hermod.broker.queue.EnqueueCallback;

/**
 * What a delay store needs from the broker around it: routing a message that fell due through its exchange, the
 * protocol's {@link PropertiesFormat} (to turn {@code x-delay} negative in the delivered properties), and a timer.
 */
public interface DelayHost {

    /**
     * Routes a message that fell due through its exchange's bindings as they are now (exchange-to-exchange bindings and
     * the alternate exchange included) and hands it to every queue it reaches; {@code done} hears once all of them have
     * taken it (null), or that one failed to. A message that reaches nothing is dropped, and {@code done} hears null.
     */
    void route(Message message, EnqueueCallback done);

    /** How message properties are encoded. */
    PropertiesFormat propertiesFormat();

    /** Runs {@code task} on a broker thread after {@code delayMillis} (it must only hand work to the store). */
    void schedule(Runnable task, long delayMillis);
}
