package io.hermod.broker;

import io.hermod.broker.queue.Queue;

/** Where a binding leads: a queue, or another exchange (exchange-to-exchange binding). Equal by identity of target. */
sealed interface BindingTarget {

    record ToQueue(Queue queue) implements BindingTarget {}

    record ToExchange(Exchange exchange) implements BindingTarget {}
}
