package io.hermod.broker.queue;

import static org.assertj.core.api.Assertions.assertThat;

import io.hermod.broker.Message;
import io.hermod.storage.record.Record;
import io.hermod.storage.record.RecordBatch;
import io.hermod.storage.record.RecordBatchBuilder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A queue message as one record and back, with the name headers a queue reuses between records and batches. */
class MessageCodecTest {

    @Test
    void messagesWithChangingNamesKeepTheirOwnThroughSharedNameHeaders() {
        // Given one queue's name headers and messages whose exchange and routing key change, repeat and come back
        MessageCodec.NameHeaders names = new MessageCodec.NameHeaders();
        List<Message> messages = List.of(
                message("ex-a", "key.1", false, Message.NO_TTL, 0, "one"),
                message("ex-a", "key.1", true, Message.NO_TTL, 0, "two"),
                message("ex-b", "key.1", true, 5_000, 0, "three"),
                message("ex-b", "clé.2", false, Message.NO_TTL, 7, "four"),
                message("ex-a", "key.1", true, 60_000, 255, "five"),
                message("", "", false, Message.NO_TTL, 0, ""));

        // When they are built into two batches, one after the other, as a queue appends them
        List<Record> records = new ArrayList<>();
        records.addAll(appended(messages.subList(0, 3), names));
        records.addAll(appended(messages.subList(3, 6), names));

        // Then every record decodes to its own message
        assertThat(records).hasSize(messages.size());
        for (int i = 0; i < messages.size(); i++) {
            Message sent = messages.get(i);
            StoredMessage stored = MessageCodec.decode(records.get(i));
            assertThat(stored.exchange()).isEqualTo(sent.exchange());
            assertThat(stored.routingKey()).isEqualTo(sent.routingKey());
            assertThat(stored.persistent()).isEqualTo(sent.persistent());
            assertThat(stored.ttlMillis()).isEqualTo(sent.ttlMillis());
            assertThat(stored.priority()).isEqualTo(sent.priority());
            assertThat(stored.properties()).isEqualTo(ByteBuffer.wrap(sent.properties()));
            assertThat(stored.body()).isEqualTo(ByteBuffer.wrap(sent.body()));
        }
    }

    private static List<Record> appended(List<Message> messages, MessageCodec.NameHeaders names) {
        RecordBatchBuilder builder = new RecordBatchBuilder();
        messages.forEach(m -> MessageCodec.add(builder, m, 1_000, names));
        ByteBuffer batch = builder.build(ByteBuffer.allocateDirect(1 << 16));
        List<Record> records = new ArrayList<>();
        for (RecordBatch b : RecordBatch.batches(batch)) {
            assertThat(b.isValid()).isTrue();
            records.addAll(b.records());
        }
        return records;
    }

    private static Message message(
            String exchange, String routingKey, boolean persistent, long ttl, int priority, String body) {
        byte[] properties = ("props of " + body).getBytes(StandardCharsets.UTF_8);
        return new Message(
                exchange,
                routingKey,
                Map.of(),
                persistent,
                properties,
                body.getBytes(StandardCharsets.UTF_8),
                ttl,
                priority);
    }
}
