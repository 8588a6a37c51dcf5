package io.hermod.broker.delay;

import static org.assertj.core.api.Assertions.assertThat;

import io.hermod.broker.Message;
import io.hermod.broker.definitions.Arguments;
import io.hermod.storage.record.Header;
import io.hermod.storage.record.Record;
import io.hermod.storage.record.RecordBatch;
import io.hermod.storage.record.RecordBatchBuilder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The delay store's record layout: a message reads back as it was published, its priority and TTL included, and a
 * record written before priorities were stored (a delay log from an older Hermod) still reads, as of priority 0.
 */
class DelayCodecTest {

    private static final long PUBLISHED_AT = 1_700_000_000_000L;
    private static final long DUE_AT = PUBLISHED_AT + 5_000;

    private static Record onlyRecord(RecordBatchBuilder builder) {
        return RecordBatch.at(builder.build(), 0).records().get(0);
    }

    private static ByteBuffer utf8(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
    }

    private static ByteBuffer int64(long value) {
        return ByteBuffer.allocate(Long.BYTES).putLong(0, value);
    }

    @Test
    void aMessageReadsBackWithItsPriorityTtlAndHeaders() {
        Map<String, Object> headers = Map.of("x-delay", 5_000L, "app", "billing");
        Message published = new Message(
                "dx", "k", headers, true, new byte[] {1, 2, 3}, "body".getBytes(StandardCharsets.UTF_8), 60_000, 7);
        RecordBatchBuilder batch = new RecordBatchBuilder();
        DelayCodec.add(batch, published, PUBLISHED_AT, DUE_AT);

        DelayCodec.Stored stored = DelayCodec.decode(onlyRecord(batch));

        Message m = stored.message();
        assertThat(m.priority()).isEqualTo(7);
        assertThat(m.ttlMillis()).isEqualTo(60_000);
        assertThat(m.exchange()).isEqualTo("dx");
        assertThat(m.routingKey()).isEqualTo("k");
        assertThat(m.persistent()).isTrue();
        assertThat(m.headers()).isEqualTo(headers);
        assertThat(m.properties()).containsExactly(1, 2, 3);
        assertThat(m.body()).isEqualTo("body".getBytes(StandardCharsets.UTF_8));
        assertThat(stored.publishedAt()).isEqualTo(PUBLISHED_AT);
        assertThat(stored.dueAt()).isEqualTo(DUE_AT);
    }

    @Test
    void aMessageWithoutPriorityOrTtlReadsBackWithout() {
        RecordBatchBuilder batch = new RecordBatchBuilder();
        DelayCodec.add(batch, Message.of("dx", "k", false, new byte[0]), PUBLISHED_AT, DUE_AT);

        Message m = DelayCodec.decode(onlyRecord(batch)).message();

        assertThat(m.priority()).isZero();
        assertThat(m.ttlMillis()).isEqualTo(Message.NO_TTL);
        assertThat(m.persistent()).isFalse();
        assertThat(m.headers()).isEmpty();
    }

    /** Written by hand as the codec wrote records before it stored priorities: no "y" header. */
    @Test
    void aRecordOfTheFormatBeforePrioritiesStillReads() {
        Map<String, Object> headers = Map.of("x-delay", 5_000L);
        Record old = onlyRecord(new RecordBatchBuilder()
                .add(
                        PUBLISHED_AT,
                        null,
                        "old body".getBytes(StandardCharsets.UTF_8),
                        List.of(
                                new Header("e", utf8("dx")),
                                new Header("r", utf8("k")),
                                new Header("p", ByteBuffer.wrap(new byte[] {9})),
                                new Header("f", ByteBuffer.wrap(new byte[] {1})),
                                new Header("t", int64(30_000)),
                                new Header("d", int64(DUE_AT)),
                                new Header("h", ByteBuffer.wrap(Arguments.encode(headers))))));

        assertThat(DelayCodec.due(old)).isEqualTo(new DelayCodec.Due(DUE_AT, true));
        DelayCodec.Stored stored = DelayCodec.decode(old);
        Message m = stored.message();
        assertThat(m.priority()).isZero();
        assertThat(m.ttlMillis()).isEqualTo(30_000);
        assertThat(m.exchange()).isEqualTo("dx");
        assertThat(m.routingKey()).isEqualTo("k");
        assertThat(m.persistent()).isTrue();
        assertThat(m.properties()).containsExactly(9);
        assertThat(m.headers()).isEqualTo(headers);
        assertThat(new String(m.body(), StandardCharsets.UTF_8)).isEqualTo("old body");
        assertThat(stored.delay()).isEqualTo(5_000);
    }
}
