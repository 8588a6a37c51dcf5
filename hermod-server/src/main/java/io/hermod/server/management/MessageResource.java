package io.hermod.server.management;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hermod.amqp.codec.BasicProperties;
import io.hermod.broker.Channel;
import io.hermod.broker.Delivery;
import io.hermod.broker.Message;
import io.hermod.broker.PublishResult;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Publishing and getting messages over HTTP, as RabbitMQ's management API offers them for testing and operations (not
 * for production traffic): {@code POST /api/exchanges/{vhost}/{name}/publish} answers {@code {"routed": bool}};
 * {@code POST /api/queues/{vhost}/{name}/get} takes up to {@code count} messages with an {@code ackmode}
 * ({@code ack_requeue_true}, {@code ack_requeue_false}, {@code reject_requeue_true}, {@code reject_requeue_false})
 * and an {@code encoding} ({@code auto}: text when the body is UTF-8, base64 otherwise; or {@code base64}).
 */
final class MessageResource {

    private static final long PUBLISH_TIMEOUT_SECONDS = 30;
    private static final int MAX_GET = 10_000;

    private final ManagementContext context;

    MessageResource(ManagementContext context) {
        this.context = context;
    }

    void register(RouteTable routes) {
        routes.add("POST", "/api/exchanges/{vhost}/{name}/publish", Access.MANAGEMENT, this::publish);
        routes.add("POST", "/api/queues/{vhost}/{name}/get", Access.MANAGEMENT, this::get);
    }

    private ApiResponse publish(ApiRequest request) {
        ObjectNode body = request.json();
        String vhost = request.param("vhost");
        String exchange = ExchangeResource.fromPath(request.param("name"));
        String routingKey = Json.requiredText(body, "routing_key");
        String payload = Json.requiredText(body, "payload");
        String encoding = Json.text(body, "payload_encoding", "string");
        byte[] bytes = switch (encoding) {
            case "string" -> payload.getBytes(StandardCharsets.UTF_8);
            case "base64" -> {
                try {
                    yield Base64.getDecoder().decode(payload);
                } catch (IllegalArgumentException e) {
                    throw ApiException.badRequest("payload is not base64: " + e.getMessage());
                }
            }
            default ->
                throw ApiException.badRequest("payload_encoding must be string or base64, not '" + encoding + "'");
        };
        BasicProperties properties = MessageProperties.fromJson(body.get("properties"));
        if (properties.userId() != null
                && !properties.userId().equals(request.user().name())) {
            throw ApiException.badRequest("user_id property set to '" + properties.userId()
                    + "' but authenticated user was '" + request.user().name() + "'");
        }
        Message message = new Message(
                exchange,
                routingKey,
                properties.headers(),
                properties.deliveryMode() != null && properties.deliveryMode() == 2,
                MessageProperties.encode(properties),
                bytes,
                properties.expiration() == null ? Message.NO_TTL : Long.parseLong(properties.expiration()),
                properties.priority() == null ? 0 : properties.priority());
        if (context.broker().alarms().publishingBlocked()) {
            // as an AMQP publisher would be blocked; an HTTP request cannot wait for the alarm to clear
            throw new ApiException(503, "service_unavailable", "publishing is blocked by a resource alarm");
        }
        PublishResult result = context.asUser(request.user(), vhost, channel -> await(channel.publish(message)));
        return ApiResponse.ok(Map.of("routed", result.routed()));
    }

    private static PublishResult await(CompletableFuture<PublishResult> published) {
        try {
            return published.get(PUBLISH_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(e.getCause());
        } catch (TimeoutException e) {
            throw new ApiException(503, "service_unavailable", "the publish was not confirmed in time");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(503, "service_unavailable", "interrupted");
        }
    }

    private ApiResponse get(ApiRequest request) {
        ObjectNode body = request.json();
        String vhost = request.param("vhost");
        String queue = request.param("name");
        long count = Json.integer(body, "count", -1);
        if (count < 1 || count > MAX_GET) {
            throw ApiException.badRequest("count must be an integer in [1, " + MAX_GET + "]");
        }
        String ackMode = Json.requiredText(body, "ackmode");
        if (!List.of("ack_requeue_true", "ack_requeue_false", "reject_requeue_true", "reject_requeue_false")
                .contains(ackMode)) {
            throw ApiException.badRequest("unknown ackmode '" + ackMode + "'");
        }
        String encoding = Json.text(body, "encoding", "auto");
        if (!encoding.equals("auto") && !encoding.equals("base64")) {
            throw ApiException.badRequest("encoding must be auto or base64, not '" + encoding + "'");
        }
        long truncate = Json.integer(body, "truncate", -1);
        // an unknown queue is the broker's NOT_FOUND: 404
        List<Map<String, Object>> messages = context.asUser(request.user(), vhost, channel -> {
            List<Map<String, Object>> got = new ArrayList<>();
            long lastTag = -1;
            for (int i = 0; i < count; i++) {
                Optional<Delivery> d = channel.get(queue, false);
                if (d.isEmpty()) {
                    break;
                }
                got.add(json(d.get(), encoding.equals("base64"), truncate));
                lastTag = d.get().deliveryTag();
            }
            if (lastTag >= 0) {
                settle(channel, lastTag, ackMode);
            }
            return got;
        });
        return ApiResponse.ok(messages);
    }

    /**
     * Settles everything got, at once, so that a requeued message is not got again by the same request (RabbitMQ's
     * management plugin gets all first, then settles).
     */
    private static void settle(Channel channel, long lastTag, String ackMode) {
        switch (ackMode) {
            case "ack_requeue_false" -> channel.ack(lastTag, true);
            case "reject_requeue_false" -> channel.nack(lastTag, true, false);
            default -> channel.nack(lastTag, true, true); // ack_requeue_true, reject_requeue_true
        }
    }

    private static Map<String, Object> json(Delivery d, boolean base64, long truncate) {
        byte[] body = new byte[d.body().remaining()];
        d.body().duplicate().get(body);
        byte[] shown = truncate >= 0 && truncate < body.length ? Arrays.copyOf(body, (int) truncate) : body;
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("payload_bytes", body.length);
        m.put("redelivered", d.redelivered());
        m.put("exchange", d.exchange());
        m.put("routing_key", d.routingKey());
        m.put("message_count", d.messageCount());
        m.put("properties", MessageProperties.toJson(d.properties()));
        String text = base64 ? null : utf8(shown);
        if (text != null) {
            m.put("payload", text);
            m.put("payload_encoding", "string");
        } else {
            m.put("payload", Base64.getEncoder().encodeToString(shown));
            m.put("payload_encoding", "base64");
        }
        return m;
    }

    private static String utf8(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }
}
