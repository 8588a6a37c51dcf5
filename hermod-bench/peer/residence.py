#!/usr/bin/env python3
"""How long an AMQP broker held each message: from a packet capture of its port, per second of the run.

    tcpdump -i lo -s 0 -B 262144 --time-stamp-precision=nano -w run.pcap 'tcp port 5692'
    hermod-bench/peer/residence.py run.pcap 5692

For every message published to the broker and delivered by it, the time from the packet that carried the published
body frame to the packet that carried the delivered one: the broker's own share of the latency (reading the socket,
routing, the queue, writing the socket), with the client's left out. Messages are matched by the first 12 bytes of
their bodies, which PerfTest fills with a sequence number and a timestamp; the first delivery of a message counts.
Loopback captures only (an IPv4 capture on an Ethernet or Linux "cooked" link); where the capture lost bytes, the
stream is picked up again at the next frame boundary and the messages in between are left out.
"""
import struct
import sys
from collections import defaultdict

FRAME_TYPES = (1, 2, 3, 8)  # method, header, body, heartbeat
BODY = 3
KEY_BYTES = 12


def packets(path):
    """(time in seconds, IPv4 packet) for each packet of a pcap file."""
    with open(path, 'rb') as f:
        header = f.read(24)
        magic = struct.unpack('<I', header[:4])[0]
        if magic not in (0xa1b2c3d4, 0xa1b23c4d):
            sys.exit('%s: not a little-endian pcap file' % path)
        scale = 1e9 if magic == 0xa1b23c4d else 1e6
        link = struct.unpack('<I', header[20:24])[0]
        skip = {1: 14, 113: 16, 276: 20}.get(link)
        if skip is None:
            sys.exit('%s: link type %d; capture on loopback (-i lo)' % (path, link))
        while True:
            record = f.read(16)
            if len(record) < 16:
                return
            sec, frac, length, _ = struct.unpack('<IIII', record)
            yield sec + frac / scale, f.read(length)[skip:]


class Stream:
    """One direction of one TCP connection: its bytes in order, with the time each packet's bytes arrived."""

    def __init__(self, inbound):
        self.data = bytearray()
        self.arrivals = []  # (offset in data, time) of each packet
        self.next_seq = None
        self.header_left = 8 if inbound else 0  # a client starts with the protocol header
        self.lost = False

    def add(self, seq, payload, t):
        if self.next_seq is not None and seq != self.next_seq:
            if (seq - self.next_seq) % (1 << 32) > (1 << 31):
                return  # a retransmission of bytes already seen
            self.data.clear()  # bytes are missing: find the next frame boundary
            self.arrivals.clear()
            self.lost = True
        self.next_seq = (seq + len(payload)) % (1 << 32)
        self.arrivals.append((len(self.data), t))
        self.data += payload

    def time_at(self, offset):
        lo, hi = 0, len(self.arrivals) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self.arrivals[mid][0] <= offset:
                lo = mid
            else:
                hi = mid - 1
        return self.arrivals[lo][1]

    def body_frames(self):
        """(first bytes of the body, time) for each complete body frame not yet returned."""
        data, pos = self.data, 0
        if self.header_left:
            pos = min(self.header_left, len(data))
            self.header_left -= pos
        if self.lost:
            pos = self.resync(pos)
            if self.lost:
                self.consume(pos)
                return
        while len(data) - pos >= 7:
            size = struct.unpack('>I', data[pos + 3:pos + 7])[0]
            if len(data) - pos < size + 8:
                break
            if data[pos] == BODY and size >= KEY_BYTES:
                yield bytes(data[pos + 7:pos + 7 + KEY_BYTES]), self.time_at(pos)
            pos += size + 8
        self.consume(pos)

    def resync(self, pos):
        data = self.data
        while len(data) - pos >= 16:
            size = struct.unpack('>I', data[pos + 3:pos + 7])[0]
            if data[pos] in FRAME_TYPES and size < (1 << 20):
                end = pos + size + 8
                if len(data) < end + 1:
                    return pos
                if data[end - 1] == 0xCE and data[end] in FRAME_TYPES:
                    self.lost = False
                    return pos
            pos += 1
        return pos

    def consume(self, pos):
        if pos == 0:
            return
        t = self.time_at(pos) if self.arrivals else None
        del self.data[:pos]
        self.arrivals = [(o - pos, at) for o, at in self.arrivals if o > pos]
        if t is not None:
            self.arrivals.insert(0, (0, t))


def quantile(values, q):
    return values[min(len(values) - 1, int(q * len(values)))]


def row(label, values):
    v = sorted(values)
    ms = [x * 1e3 for x in (quantile(v, .5), quantile(v, .9), quantile(v, .99), quantile(v, .999), v[-1])]
    return '%8s %8d %9.3f %9.3f %9.3f %9.3f %9.3f' % ((label, len(v)) + tuple(ms))


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    path, port = sys.argv[1], int(sys.argv[2])
    streams = {}
    published, delivered = {}, {}
    for t, ip in packets(path):
        if len(ip) < 20 or ip[0] >> 4 != 4 or ip[9] != 6:
            continue
        tcp = ip[(ip[0] & 15) * 4:struct.unpack('>H', ip[2:4])[0]]
        source, destination, seq = struct.unpack('>HHI', tcp[:8])
        payload = tcp[(tcp[12] >> 4) * 4:]
        if not payload or port not in (source, destination):
            continue
        inbound = destination == port
        stream = streams.get((source, destination))
        if stream is None:
            stream = streams[(source, destination)] = Stream(inbound)
        stream.add(seq, payload, t)
        seen = published if inbound else delivered
        for key, at in stream.body_frames():
            seen.setdefault(key, at)
    held = sorted((at, delivered[key] - at) for key, at in published.items() if key in delivered)
    if not held:
        sys.exit('no message both published and delivered on port %d (%d published, %d delivered)'
                 % (port, len(published), len(delivered)))
    start = held[0][0]
    print('%d messages published and delivered (%d published, %d delivered); time held, ms:'
          % (len(held), len(published), len(delivered)))
    print('%8s %8s %9s %9s %9s %9s %9s' % ('second', 'messages', 'p50', 'p90', 'p99', 'p99.9', 'max'))
    seconds = defaultdict(list)
    for at, d in held:
        seconds[int(at - start)].append(d)
    for s in sorted(seconds):
        print(row(str(s), seconds[s]))
    print(row('all', [d for _, d in held]))
    rest = [d for at, d in held if at - start >= 2]
    if rest:
        print(row('from 2 s', rest))


if __name__ == '__main__':
    main()
