package io.hermod.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.hermod.amqp.codec.AccessRequest;
import io.hermod.amqp.codec.AccessRequestOk;
import io.hermod.amqp.codec.QueueDeclare;
import io.hermod.amqp.codec.QueueDeclareOk;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * access.request (class 30), which the 0-9-1 spec dropped but old clients still send before their first use of a
 * channel: RabbitMQ answers access.request-ok with ticket 1 whatever the realm, and the channel goes on. The RabbitMQ
 * Java client no longer has the method, so a raw peer sends it.
 */
class AccessRequestTest extends ServerTestSupport {

    @Test
    void anAccessRequestIsGrantedWithTicketOneAndTheChannelStaysUsable() throws Exception {
        try (RawAmqpPeer peer = new RawAmqpPeer(server.port()).handshake(0)) {
            peer.send(1, new AccessRequest("/data", false, true, true, true, true));

            assertThat(peer.expect(AccessRequestOk.class).ticket()).isEqualTo(1);

            peer.send(1, new QueueDeclare(1, "after-access", false, false, false, true, false, Map.of()));
            assertThat(peer.expect(QueueDeclareOk.class).queue()).isEqualTo("after-access");
        }
    }
}
