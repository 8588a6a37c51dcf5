#!/usr/bin/env python3
"""Interop smoke: Python pika (Debian's python3-pika) against Hermod, unchanged.

A producer publishes N persistent messages to a durable queue with publisher confirms; a consumer on its own
connection takes them with prefetch 1, acks most, nacks a few with requeue once and checks that they come back
flagged redelivered. Exits 0 only if every message arrived and was acknowledged; otherwise prints why and exits 1.

Run by InteropTest with the broker's address in HERMOD_AMQP_HOST / HERMOD_AMQP_PORT; the message count in
HERMOD_INTEROP_MESSAGES (default 100).
"""
import os
import sys
import time

import pika

HOST = os.environ.get("HERMOD_AMQP_HOST", "127.0.0.1")
PORT = int(os.environ["HERMOD_AMQP_PORT"])
COUNT = int(os.environ.get("HERMOD_INTEROP_MESSAGES", "100"))
QUEUE = "interop.pika"
DEADLINE = time.monotonic() + 20


def fail(why):
    print("pika smoke FAILED: " + why, flush=True)
    sys.exit(1)


def connect(name):
    return pika.BlockingConnection(
        pika.ConnectionParameters(
            host=HOST,
            port=PORT,
            credentials=pika.PlainCredentials("guest", "guest"),
            client_properties={"connection_name": name},
            blocked_connection_timeout=10,
            socket_timeout=10,
        )
    )


def nacked_once(i):
    return i % 10 == 3


def main():
    consumer_connection = connect("pika-smoke-consumer")
    consumer = consumer_connection.channel()
    consumer.queue_declare(queue=QUEUE, durable=True)
    consumer.queue_purge(queue=QUEUE)
    consumer.basic_qos(prefetch_count=1)

    acked = set()
    nacked = set()
    unacked = []  # delivery tags handed to us and not yet settled: prefetch 1 allows one
    problems = []

    def on_message(channel, method, properties, body):
        unacked.append(method.delivery_tag)
        if len(unacked) > 1:
            problems.append("%d unacknowledged deliveries with prefetch 1" % len(unacked))
        text = body.decode("utf-8")
        if not text.startswith("message "):
            problems.append("unexpected body %r" % text)
        i = int(text.split(" ")[1])
        if properties.delivery_mode != 2:
            problems.append("message %d lost its delivery mode: %r" % (i, properties.delivery_mode))
        if properties.content_type != "text/plain" or (properties.headers or {}).get("index") != i:
            problems.append("message %d lost its properties: %r" % (i, properties))
        if i in acked:
            problems.append("message %d delivered after it was acked" % i)
        if nacked_once(i) and i not in nacked:
            if method.redelivered:
                problems.append("message %d flagged redelivered on its first delivery" % i)
            nacked.add(i)
            unacked.remove(method.delivery_tag)
            channel.basic_nack(delivery_tag=method.delivery_tag, requeue=True)
            return
        if nacked_once(i) and not method.redelivered:
            problems.append("nacked message %d came back without the redelivered flag" % i)
        if not nacked_once(i) and method.redelivered:
            problems.append("message %d flagged redelivered though never nacked" % i)
        if i == 0:
            # prefetch 1: nothing else may arrive while this one is unacknowledged
            consumer_connection.sleep(0.3)
            if channel.get_waiting_message_count() > 0:
                problems.append("a second message arrived while the first was unacknowledged (prefetch 1)")
        acked.add(i)
        unacked.remove(method.delivery_tag)
        channel.basic_ack(delivery_tag=method.delivery_tag)

    consumer.basic_consume(queue=QUEUE, on_message_callback=on_message, auto_ack=False)

    producer_connection = connect("pika-smoke-producer")
    producer = producer_connection.channel()
    producer.queue_declare(queue=QUEUE, durable=True)
    producer.confirm_delivery()
    for i in range(COUNT):
        # with confirms on, a nack or an unroutable mandatory message raises here
        producer.basic_publish(
            exchange="",
            routing_key=QUEUE,
            body=("message %d" % i).encode("utf-8"),
            properties=pika.BasicProperties(delivery_mode=2, content_type="text/plain", headers={"index": i}),
            mandatory=True,
        )

    while len(acked) < COUNT and not problems and time.monotonic() < DEADLINE:
        consumer_connection.process_data_events(time_limit=0.1)
    if problems:
        fail("; ".join(problems[:5]))
    if len(acked) < COUNT:
        fail("timed out with %d of %d messages acked; missing %s" % (len(acked), COUNT, sorted(set(range(COUNT)) - acked)[:10]))

    # the acks are asynchronous: the queue empties shortly after the last one
    remaining = -1
    while time.monotonic() < DEADLINE:
        remaining = producer.queue_declare(queue=QUEUE, durable=True, passive=True).method.message_count
        if remaining == 0:
            break
        time.sleep(0.05)
    if remaining != 0:
        fail("%d messages left in %s after all were acked" % (remaining, QUEUE))

    producer.queue_delete(queue=QUEUE)
    producer_connection.close()
    consumer_connection.close()
    print("pika smoke OK: %d published with confirms, %d acked, %d nacked and redelivered"
          % (COUNT, len(acked), len(nacked)), flush=True)


if __name__ == "__main__":
    try:
        main()
    except SystemExit:
        raise
    except Exception as e:  # any client-side error is a failed smoke, reported on one line
        fail("%s: %s" % (type(e).__name__, e))
