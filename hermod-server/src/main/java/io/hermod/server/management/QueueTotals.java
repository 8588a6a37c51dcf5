package io.hermod.server.management;

import io.hermod.broker.QueueStatus;
import io.hermod.broker.VirtualHost;

/** The queues of one or more vhosts added up, for the overview and the vhost views. */
record QueueTotals(int queues, long ready, long unacknowledged, int consumers) {

    static final QueueTotals NONE = new QueueTotals(0, 0, 0, 0);

    static QueueTotals of(VirtualHost v) {
        QueueTotals totals = NONE;
        for (String q : v.queueNames()) {
            QueueStatus s = v.queueStatus(q).orElse(null);
            if (s != null) {
                totals = totals.plus(new QueueTotals(1, s.messagesReady(), s.messagesUnacknowledged(), s.consumers()));
            }
        }
        return totals;
    }

    QueueTotals plus(QueueTotals other) {
        return new QueueTotals(
                queues + other.queues,
                ready + other.ready,
                unacknowledged + other.unacknowledged,
                consumers + other.consumers);
    }

    long messages() {
        return ready + unacknowledged;
    }
}
