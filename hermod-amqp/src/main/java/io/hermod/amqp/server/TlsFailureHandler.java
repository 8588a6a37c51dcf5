package io.hermod.amqp.server;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslCompletionEvent;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sits right after the {@code SslHandler} of a TLS connection and keeps TLS failures to that one connection: a failed
 * handshake (an untrusted or missing client certificate, no common protocol version), plaintext or garbage on the TLS
 * port, or a broken record later on closes the socket and is logged at INFO (DEBUG for bytes that are not TLS at all:
 * port scanners and misdirected plain AMQP clients), never as an error with a stack trace. Other exceptions go on to
 * the AMQP handlers.
 *
 * <p>Threading: the connection's event loop.
 */
final class TlsFailureHandler extends ChannelInboundHandlerAdapter {

    private static final Logger LOG = LoggerFactory.getLogger(TlsFailureHandler.class);

    private boolean failed;

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        // the handshake's outcome, or a failed close_notify exchange
        if (event instanceof SslCompletionEvent done && !done.isSuccess()) {
            fail(ctx, done.cause());
        }
        ctx.fireUserEventTriggered(event);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Throwable root = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        if (root instanceof NotSslRecordException || root instanceof SSLException) {
            fail(ctx, root);
        } else {
            ctx.fireExceptionCaught(cause);
        }
    }

    /** Logs the first failure of a connection (the event and the exception report the same one) and closes it. */
    private void fail(ChannelHandlerContext ctx, Throwable cause) {
        if (!failed) {
            failed = true;
            if (cause instanceof NotSslRecordException) {
                LOG.debug(
                        "Not TLS on the AMQP TLS port from {}; closing it",
                        ctx.channel().remoteAddress());
            } else {
                LOG.info(
                        "TLS with {} failed: {}; closing the connection",
                        ctx.channel().remoteAddress(),
                        message(cause));
            }
        }
        ctx.close();
    }

    private static String message(Throwable cause) {
        return cause == null ? "unknown cause" : cause.getClass().getSimpleName() + ": " + cause.getMessage();
    }
}
