package io.hermod.broker.definitions;

import io.hermod.broker.BrokerException;
import io.hermod.broker.definitions.BindingDefinition.DestinationKind;
import io.hermod.broker.definitions.DefinitionRecord.BindingAdded;
import io.hermod.broker.definitions.DefinitionRecord.BindingRemoved;
import io.hermod.broker.definitions.DefinitionRecord.ExchangeAdded;
import io.hermod.broker.definitions.DefinitionRecord.ExchangeRemoved;
import io.hermod.broker.definitions.DefinitionRecord.PermissionRemoved;
import io.hermod.broker.definitions.DefinitionRecord.PermissionSet;
import io.hermod.broker.definitions.DefinitionRecord.PolicyRemoved;
import io.hermod.broker.definitions.DefinitionRecord.PolicySet;
import io.hermod.broker.definitions.DefinitionRecord.QueueAdded;
import io.hermod.broker.definitions.DefinitionRecord.QueueRemoved;
import io.hermod.broker.definitions.DefinitionRecord.UserAdded;
import io.hermod.broker.definitions.DefinitionRecord.UserRemoved;
import io.hermod.broker.definitions.DefinitionRecord.VhostAdded;
import io.hermod.broker.definitions.DefinitionRecord.VhostRemoved;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The binary encoding of one {@link DefinitionRecord}: the value of one record in the definitions log.
 *
 * <pre>
 *  record:  version u8 (= 1) | tag u8 | fields
 *
 *  tag  record             fields
 *  1    VhostAdded         vhost
 *  2    VhostRemoved       vhost
 *  3    ExchangeAdded      vhost | name | type | flags u8 (bit 0 durable, 1 autoDelete, 2 internal) | arguments
 *  4    ExchangeRemoved    vhost | name
 *  5    QueueAdded         vhost | name | storageId | flags u8 (bit 0 durable, 1 exclusive, 2 autoDelete) | arguments
 *  6    QueueRemoved       vhost | name
 *  7    BindingAdded       binding
 *  8    BindingRemoved     binding
 *  9    UserAdded          name | hash algorithm u8 (1 = SHA-256, see PasswordHash) | hash bytes | tag count uvarint
 *                          | tag*
 *  10   UserRemoved        name
 *  11   PermissionSet      vhost | user | configure | write | read
 *  12   PermissionRemoved  vhost | user
 *
 *  binding:    vhost | source | destination kind u8 (0 queue, 1 exchange) | destination | routingKey | arguments
 *  bytes:      length uvarint | bytes
 *  string:     UTF-8 length uvarint | UTF-8 bytes
 *  arguments:  a table as in {@link ArgumentsCodec}, without its own version byte
 * </pre>
 *
 * A change to any layout takes a new version (or a new tag); a decoder refuses versions it does not know rather than
 * guess. Unset flag bits, trailing bytes, unknown tags and everything {@link FieldReader} checks fail the decoding with
 * a {@link BrokerException} ({@code STORAGE_FAILED}) naming the problem. Stateless and thread-safe.
 */
final class DefinitionCodec {

    static final int VERSION = 1;

    static final int VHOST_ADDED = 1;
    static final int VHOST_REMOVED = 2;
    static final int EXCHANGE_ADDED = 3;
    static final int EXCHANGE_REMOVED = 4;
    static final int QUEUE_ADDED = 5;
    static final int QUEUE_REMOVED = 6;
    static final int BINDING_ADDED = 7;
    static final int BINDING_REMOVED = 8;
    static final int USER_ADDED = 9;
    static final int USER_REMOVED = 10;
    static final int PERMISSION_SET = 11;
    static final int PERMISSION_REMOVED = 12;
    static final int POLICY_SET = 13;
    static final int POLICY_REMOVED = 14;

    /** The password hash algorithm of a {@code UserAdded}: {@link PasswordHash} (RabbitMQ's SHA-256 scheme). */
    private static final int HASH_SHA256 = 1;

    private static final int FLAG_0 = 1;
    private static final int FLAG_1 = 1 << 1;
    private static final int FLAG_2 = 1 << 2;
    private static final int KNOWN_FLAGS = FLAG_0 | FLAG_1 | FLAG_2;

    private static final int TO_QUEUE = 0;
    private static final int TO_EXCHANGE = 1;

    private DefinitionCodec() {}

    /**
     * Encodes one record.
     *
     * @throws IllegalArgumentException when its arguments cannot be encoded (see {@link ArgumentsCodec}) or a name is
     *     not valid Unicode
     */
    static byte[] encode(DefinitionRecord record) {
        FieldWriter out = new FieldWriter();
        out.writeByte(VERSION);
        switch (record) {
            case VhostAdded r -> out.writeByte(VHOST_ADDED).writeString(r.vhost());
            case VhostRemoved r -> out.writeByte(VHOST_REMOVED).writeString(r.vhost());
            case ExchangeAdded r -> {
                ExchangeDefinition x = r.exchange();
                out.writeByte(EXCHANGE_ADDED)
                        .writeString(x.vhost())
                        .writeString(x.name())
                        .writeString(x.type());
                out.writeByte(flags(x.durable(), x.autoDelete(), x.internal()));
                ArgumentsCodec.writeTable(out, x.arguments());
            }
            case ExchangeRemoved r ->
                out.writeByte(EXCHANGE_REMOVED).writeString(r.vhost()).writeString(r.name());
            case QueueAdded r -> {
                QueueDefinition q = r.queue();
                out.writeByte(QUEUE_ADDED)
                        .writeString(q.vhost())
                        .writeString(q.name())
                        .writeString(q.storageId());
                out.writeByte(flags(q.durable(), q.exclusive(), q.autoDelete()));
                ArgumentsCodec.writeTable(out, q.arguments());
            }
            case QueueRemoved r ->
                out.writeByte(QUEUE_REMOVED).writeString(r.vhost()).writeString(r.name());
            case BindingAdded r -> writeBinding(out.writeByte(BINDING_ADDED), r.binding());
            case BindingRemoved r -> writeBinding(out.writeByte(BINDING_REMOVED), r.binding());
            case UserAdded r -> {
                UserDefinition u = r.user();
                out.writeByte(USER_ADDED).writeString(u.name());
                out.writeByte(HASH_SHA256).writeBytes(u.passwordHash().bytes());
                out.writeUnsignedVarint(u.tags().size());
                for (String tag : u.tags()) {
                    out.writeString(tag);
                }
            }
            case UserRemoved r -> out.writeByte(USER_REMOVED).writeString(r.name());
            case PermissionSet r -> {
                PermissionDefinition p = r.permission();
                out.writeByte(PERMISSION_SET)
                        .writeString(p.vhost())
                        .writeString(p.user())
                        .writeString(p.configure())
                        .writeString(p.write())
                        .writeString(p.read());
            }
            case PermissionRemoved r ->
                out.writeByte(PERMISSION_REMOVED).writeString(r.vhost()).writeString(r.user());
            case PolicySet r -> {
                PolicyDefinition p = r.policy();
                out.writeByte(POLICY_SET)
                        .writeString(p.vhost())
                        .writeString(p.name())
                        .writeString(p.pattern())
                        .writeString(p.applyTo())
                        .writeInt(p.priority());
                out.writeByte(flags(p.operator(), false, false));
                ArgumentsCodec.writeTable(out, p.definition());
            }
            case PolicyRemoved r -> {
                out.writeByte(POLICY_REMOVED).writeString(r.vhost()).writeString(r.name());
                out.writeByte(flags(r.operator(), false, false));
            }
        }
        return out.toByteArray();
    }

    private static int flags(boolean bit0, boolean bit1, boolean bit2) {
        return (bit0 ? FLAG_0 : 0) | (bit1 ? FLAG_1 : 0) | (bit2 ? FLAG_2 : 0);
    }

    private static void writeBinding(FieldWriter out, BindingDefinition b) {
        out.writeString(b.vhost()).writeString(b.source());
        out.writeByte(
                switch (b.destinationKind()) {
                    case QUEUE -> TO_QUEUE;
                    case EXCHANGE -> TO_EXCHANGE;
                });
        out.writeString(b.destination()).writeString(b.routingKey());
        ArgumentsCodec.writeTable(out, b.arguments());
    }

    /** Decodes one record from all of {@code bytes}. */
    static DefinitionRecord decode(byte[] bytes) {
        return decode(ByteBuffer.wrap(bytes));
    }

    /**
     * Decodes one record from {@code in}'s position to its limit (neither is moved).
     *
     * @throws BrokerException {@code STORAGE_FAILED} on an unknown version or tag, or malformed bytes
     */
    static DefinitionRecord decode(ByteBuffer in) {
        FieldReader r = new FieldReader(in, "definition record");
        int version = r.readUnsignedByte("version");
        if (version != VERSION) {
            throw r.malformed("unknown definition record version " + version + " (this broker reads " + VERSION + ")");
        }
        int tag = r.readUnsignedByte("record tag");
        DefinitionRecord record = switch (tag) {
            case VHOST_ADDED -> new VhostAdded(r.readString("vhost"));
            case VHOST_REMOVED -> new VhostRemoved(r.readString("vhost"));
            case EXCHANGE_ADDED -> new ExchangeAdded(readExchange(r));
            case EXCHANGE_REMOVED -> new ExchangeRemoved(r.readString("vhost"), r.readString("exchange name"));
            case QUEUE_ADDED -> new QueueAdded(readQueue(r));
            case QUEUE_REMOVED -> new QueueRemoved(r.readString("vhost"), r.readString("queue name"));
            case BINDING_ADDED -> new BindingAdded(readBinding(r));
            case BINDING_REMOVED -> new BindingRemoved(readBinding(r));
            case USER_ADDED -> new UserAdded(readUser(r));
            case USER_REMOVED -> new UserRemoved(r.readString("user name"));
            case PERMISSION_SET ->
                new PermissionSet(new PermissionDefinition(
                        r.readString("vhost"),
                        r.readString("user name"),
                        r.readString("configure pattern"),
                        r.readString("write pattern"),
                        r.readString("read pattern")));
            case PERMISSION_REMOVED -> new PermissionRemoved(r.readString("vhost"), r.readString("user name"));
            case POLICY_SET -> {
                String vhost = r.readString("vhost");
                String name = r.readString("policy name");
                String pattern = r.readString("policy pattern");
                String applyTo = r.readString("policy apply-to");
                int priority = r.readInt("policy priority");
                boolean operator = (readFlags(r, "policy flags") & FLAG_0) != 0;
                yield new PolicySet(new PolicyDefinition(
                        vhost, name, pattern, applyTo, priority, ArgumentsCodec.readTable(r), operator));
            }
            case POLICY_REMOVED -> {
                String vhost = r.readString("vhost");
                String name = r.readString("policy name");
                yield new PolicyRemoved(vhost, name, (readFlags(r, "policy flags") & FLAG_0) != 0);
            }
            default -> throw r.malformed("unknown definition record tag " + tag);
        };
        r.expectEnd();
        return record;
    }

    private static ExchangeDefinition readExchange(FieldReader r) {
        String vhost = r.readString("vhost");
        String name = r.readString("exchange name");
        String type = r.readString("exchange type");
        int flags = readFlags(r, "exchange flags");
        Map<String, Object> arguments = ArgumentsCodec.readTable(r);
        return new ExchangeDefinition(
                vhost, name, type, (flags & FLAG_0) != 0, (flags & FLAG_1) != 0, (flags & FLAG_2) != 0, arguments);
    }

    private static QueueDefinition readQueue(FieldReader r) {
        String vhost = r.readString("vhost");
        String name = r.readString("queue name");
        String storageId = r.readString("queue storage id");
        int flags = readFlags(r, "queue flags");
        Map<String, Object> arguments = ArgumentsCodec.readTable(r);
        return new QueueDefinition(
                vhost, name, storageId, (flags & FLAG_0) != 0, (flags & FLAG_1) != 0, (flags & FLAG_2) != 0, arguments);
    }

    private static BindingDefinition readBinding(FieldReader r) {
        String vhost = r.readString("vhost");
        String source = r.readString("binding source");
        int kind = r.readUnsignedByte("binding destination kind");
        DestinationKind destinationKind = switch (kind) {
            case TO_QUEUE -> DestinationKind.QUEUE;
            case TO_EXCHANGE -> DestinationKind.EXCHANGE;
            default -> throw r.malformed("unknown binding destination kind " + kind);
        };
        String destination = r.readString("binding destination");
        String routingKey = r.readString("binding routing key");
        Map<String, Object> arguments = ArgumentsCodec.readTable(r);
        return new BindingDefinition(vhost, source, destinationKind, destination, routingKey, arguments);
    }

    private static UserDefinition readUser(FieldReader r) {
        String name = r.readString("user name");
        int algorithm = r.readUnsignedByte("password hash algorithm");
        if (algorithm != HASH_SHA256) {
            throw r.malformed("unknown password hash algorithm " + algorithm);
        }
        byte[] hash = r.readBytes("password hash");
        if (hash.length != PasswordHash.BYTES) {
            throw r.malformed("a password hash has " + PasswordHash.BYTES + " bytes, not " + hash.length);
        }
        int count = r.readCount("tag count", 1);
        List<String> tags = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            tags.add(r.readString("user tag"));
        }
        return new UserDefinition(name, PasswordHash.fromBytes(hash), tags);
    }

    private static int readFlags(FieldReader r, String field) {
        int flags = r.readUnsignedByte(field);
        if ((flags & ~KNOWN_FLAGS) != 0) {
            throw r.malformed(field + " 0x" + Integer.toHexString(flags) + " set unknown bits");
        }
        return flags;
    }
}
