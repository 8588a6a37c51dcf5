#!/usr/bin/env python3
"""Waits until an AMQP 0-9-1 broker accepts a connection and prints how long that took.

    amqp_ready.py HOST PORT START_EPOCH_NS TIMEOUT_S [USER PASSWORD VHOST]

Polls every 10 ms: TCP connect, protocol header, connection.start-ok (SASL PLAIN), tune-ok, open, close. The first
time a connection.open-ok arrives it prints the milliseconds since START_EPOCH_NS (wall clock, `date +%s%N` taken
just before the broker process was launched) and exits 0; exits 1 after TIMEOUT_S. Only the standard library, so
that the check itself starts in a few milliseconds (spec: AMQP 0-9-1 sections 2.2.4, 4.2.3).
"""

import socket
import struct
import sys
import time

FRAME_METHOD = 1
FRAME_END = 0xCE


def short_str(s):
    b = s.encode()
    return struct.pack("!B", len(b)) + b


def long_str(b):
    return struct.pack("!I", len(b)) + b


def method_frame(class_id, method_id, args):
    payload = struct.pack("!HH", class_id, method_id) + args
    return struct.pack("!BHI", FRAME_METHOD, 0, len(payload)) + payload + bytes([FRAME_END])


def read_exact(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise ConnectionError("closed by the broker")
        data += chunk
    return data


def read_method(sock):
    """Returns (class, method, arguments) of the next method frame, skipping heartbeats."""
    while True:
        frame_type, _channel, size = struct.unpack("!BHI", read_exact(sock, 7))
        payload = read_exact(sock, size)
        if read_exact(sock, 1)[0] != FRAME_END:
            raise ConnectionError("bad frame end")
        if frame_type == FRAME_METHOD:
            class_id, method_id = struct.unpack("!HH", payload[:4])
            return class_id, method_id, payload[4:]


def expect(sock, class_id, method_id):
    got = read_method(sock)
    if got[:2] != (class_id, method_id):
        raise ConnectionError("expected %d.%d, got %d.%d" % (class_id, method_id, got[0], got[1]))
    return got[2]


def handshake(host, port, user, password, vhost):
    with socket.create_connection((host, port), timeout=2) as sock:
        sock.sendall(b"AMQP\x00\x00\x09\x01")
        expect(sock, 10, 10)  # connection.start
        response = b"\x00" + user.encode() + b"\x00" + password.encode()
        sock.sendall(
            method_frame(10, 11, struct.pack("!I", 0) + short_str("PLAIN") + long_str(response) + short_str("en_US"))
        )
        tune = expect(sock, 10, 30)  # connection.tune
        channel_max, frame_max, _heartbeat = struct.unpack("!HIH", tune[:8])
        sock.sendall(method_frame(10, 31, struct.pack("!HIH", channel_max, frame_max, 0)))
        sock.sendall(method_frame(10, 40, short_str(vhost) + short_str("") + b"\x00"))
        expect(sock, 10, 41)  # connection.open-ok
        sock.sendall(method_frame(10, 50, struct.pack("!H", 200) + short_str("bye") + struct.pack("!HH", 0, 0)))
        try:
            expect(sock, 10, 51)  # connection.close-ok
        except (OSError, ConnectionError):
            pass


def main():
    host, port, start_ns, timeout = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
    user, password, vhost = sys.argv[5:8] if len(sys.argv) == 8 else ("guest", "guest", "/")
    deadline = time.monotonic() + timeout
    last_error = None
    while time.monotonic() < deadline:
        try:
            handshake(host, port, user, password, vhost)
            print("%.0f" % ((time.time_ns() - start_ns) / 1e6))
            return 0
        except (OSError, ConnectionError, struct.error) as e:
            last_error = e
            time.sleep(0.01)
    print("no AMQP connection to %s:%d within %.0f s: %s" % (host, port, timeout, last_error), file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
