package io.hermod.server.metrics;

import io.hermod.amqp.server.AmqpServer;
import io.hermod.amqp.server.ChannelInfo;
import io.hermod.amqp.server.ConnectionInfo;
import io.hermod.broker.Broker;
import io.hermod.broker.QueueStatus;
import io.hermod.broker.VirtualHost;
import io.hermod.broker.queue.QueueStats;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * The broker's metrics, read from its counters at each scrape (STYLE.md rule 14): per vhost always, per queue when
 * asked ({@code metrics.per_queue}), and the AMQP connections and channels. Queues come and go between scrapes; reading
 * them at scrape time needs no meters registered or removed with them. A vhost's counters include its deleted queues',
 * so they never go down; a queue's start again from zero when it is declared anew or the broker restarts.
 *
 * <p>Threading: the scrape's thread; everything read is thread-safe.
 */
final class BrokerCollector implements MultiCollector {

    private final Broker broker;
    private final AmqpServer amqp;
    private final boolean perQueue;

    BrokerCollector(Broker broker, AmqpServer amqp, boolean perQueue) {
        this.broker = broker;
        this.amqp = amqp;
        this.perQueue = perQueue;
    }

    @Override
    public MetricSnapshots collect() {
        Families families = new Families();
        Families.Scalar queues = families.gauge("hermod_vhost_queues", "Queues in the vhost");
        QueueFamilies vhostFamilies = new QueueFamilies(families, "hermod_vhost", "the vhost's queues");
        QueueFamilies queueFamilies = perQueue ? new QueueFamilies(families, "hermod_queue", "the queue") : null;
        for (String name : new TreeSet<>(broker.vhostNames())) {
            Optional<VirtualHost> found = broker.vhost(name);
            if (found.isEmpty()) {
                continue; // deleted meanwhile
            }
            VirtualHost vhost = found.get();
            Labels vhostLabel = Labels.of("vhost", name);
            int queueCount = 0;
            long ready = 0;
            long unacked = 0;
            int consumers = 0;
            for (String queue : new TreeSet<>(vhost.queueNames())) {
                Optional<QueueStatus> status = vhost.queueStatus(queue);
                Optional<QueueStats> stats = vhost.queueStats(queue);
                if (status.isEmpty() || stats.isEmpty()) {
                    continue;
                }
                queueCount++;
                ready += status.get().messagesReady();
                unacked += status.get().messagesUnacknowledged();
                consumers += status.get().consumers();
                if (queueFamilies != null) {
                    queueFamilies.add(Labels.of("vhost", name, "queue", queue), status.get(), stats.get());
                }
            }
            queues.add(queueCount, vhostLabel);
            vhostFamilies.add(vhostLabel, ready, unacked, consumers, vhost.stats());
        }
        queues.done();
        vhostFamilies.done();
        if (queueFamilies != null) {
            queueFamilies.done();
        }
        connections(families);
        return new MetricSnapshots(families.snapshots());
    }

    /** AMQP connections and channels, in all and per vhost (a connection before connection.open has none). */
    private void connections(Families families) {
        List<ConnectionInfo> connections = amqp.connections();
        List<ChannelInfo> channels = amqp.channels();
        families.gauge("hermod_connections", "Open AMQP connections, those still in their handshake included")
                .add(connections.size(), Labels.EMPTY)
                .done();
        families.gauge("hermod_channels", "Open AMQP channels")
                .add(channels.size(), Labels.EMPTY)
                .done();
        Map<String, Integer> connectionsByVhost = new HashMap<>();
        Map<String, Integer> channelsByVhost = new HashMap<>();
        for (String vhost : broker.vhostNames()) {
            connectionsByVhost.put(vhost, 0);
            channelsByVhost.put(vhost, 0);
        }
        for (ConnectionInfo c : connections) {
            connectionsByVhost.computeIfPresent(c.vhost(), (v, n) -> n + 1);
        }
        for (ChannelInfo c : channels) {
            channelsByVhost.computeIfPresent(c.connection().vhost(), (v, n) -> n + 1);
        }
        Families.Scalar byVhost = families.gauge("hermod_vhost_connections", "Open AMQP connections to the vhost");
        new TreeSet<>(connectionsByVhost.keySet())
                .forEach(v -> byVhost.add(connectionsByVhost.get(v), Labels.of("vhost", v)));
        byVhost.done();
        Families.Scalar channelsGauge = families.gauge("hermod_vhost_channels", "Open AMQP channels in the vhost");
        new TreeSet<>(channelsByVhost.keySet())
                .forEach(v -> channelsGauge.add(channelsByVhost.get(v), Labels.of("vhost", v)));
        channelsGauge.done();
    }
}
