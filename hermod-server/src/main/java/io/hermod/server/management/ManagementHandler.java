package io.hermod.server.management;

import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.timeout.IdleStateEvent;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One HTTP connection's requests: copies each aggregated request out of Netty's buffers on the event loop, hands it to
 * a worker thread for {@link ManagementApi#handle}, and writes the answer (keep-alive as the client asks). A request the
 * codec could not parse is answered 400 and the connection closed; nothing a client sends reaches the listener itself.
 *
 * <p>Threading: Netty calls it on the connection's event loop; answers are written from worker threads (Netty queues
 * the write onto the loop). One connection's requests are handled one after another, each after the previous one's
 * answer is written, so a client that pipelines gets its answers in request order (RFC 9112 section 9.3.2).
 */
final class ManagementHandler extends SimpleChannelInboundHandler<FullHttpRequest> {

    private static final Logger LOG = LoggerFactory.getLogger(ManagementHandler.class);

    private final ManagementApi api;
    private final ExecutorService workers;
    /** The previous request's handling; event loop only. */
    private CompletableFuture<Void> previous = CompletableFuture.completedFuture(null);

    ManagementHandler(ManagementApi api, ExecutorService workers) {
        this.api = api;
        this.workers = workers;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        if (request.decoderResult().isFailure()) {
            write(ctx, ManagementApi.error(ApiException.badRequest("malformed HTTP request")), false, false);
            return;
        }
        HttpHeaders headers = new DefaultHttpHeaders().add(request.headers());
        byte[] body = ByteBufUtil.getBytes(request.content());
        String method = request.method().name();
        String uri = request.uri();
        boolean loopback = ctx.channel().remoteAddress() instanceof InetSocketAddress a
                && a.getAddress() != null
                && a.getAddress().isLoopbackAddress();
        boolean head = method.equals("HEAD");
        previous = previous.thenRunAsync(
                        () -> write(ctx, api.handle(method, uri, headers::get, body, loopback), keepAlive, head),
                        workers)
                .exceptionally(e -> {
                    // the worker pool is full (RejectedExecutionException) or shut down: no queueing without bound
                    ApiException busy = new ApiException(503, "service_unavailable", "too many requests");
                    write(ctx, ManagementApi.error(busy), false, head);
                    return null;
                });
    }

    private static void write(ChannelHandlerContext ctx, ApiResponse response, boolean keepAlive, boolean head) {
        byte[] bytes = body(response);
        FullHttpResponse out = new DefaultFullHttpResponse(
                HttpVersion.HTTP_1_1,
                HttpResponseStatus.valueOf(response.status()),
                head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(bytes));
        out.headers().set(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
        if (bytes.length > 0) {
            out.headers().set(HttpHeaderNames.CONTENT_TYPE, response.contentType());
        }
        out.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-cache");
        for (Map.Entry<String, String> h : response.headers().entrySet()) {
            out.headers().set(h.getKey(), h.getValue());
        }
        if (keepAlive) {
            out.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
            ctx.writeAndFlush(out);
        } else {
            out.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(out).addListener(ChannelFutureListener.CLOSE);
        }
    }

    private static byte[] body(ApiResponse response) {
        return switch (response.body()) {
            case null -> new byte[0];
            case byte[] raw -> raw;
            default -> Json.write(response.body());
        };
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
        if (event instanceof IdleStateEvent) {
            ctx.close();
        } else {
            super.userEventTriggered(ctx, event);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("HTTP connection {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }
}
