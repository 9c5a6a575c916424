#!/usr/bin/env python3
"""Holds N connections to HOST:PORT for SECONDS, as an attacker would: each
one either idle (connected, silent) or a stalled TLS handshake (the first
five bytes of a ClientHello record, then nothing). Connections the server
closes are opened again, so that N stay open for the whole time (a bounded
loop: at most N new connections a second, so that what is measured is
connections held, not a flood of new ones). Prints "held N, reopened M".

    hold_connections.py HOST PORT N idle|stalled-tls SECONDS
"""
import selectors
import socket
import sys
import time


def main():
    host, port, count, mode, seconds = sys.argv[1], int(sys.argv[2]), int(
        sys.argv[3]), sys.argv[4], float(sys.argv[5])
    hello = b"\x16\x03\x01\x02\x00"  # a record header claiming 512 bytes
    selector = selectors.DefaultSelector()

    def open_one():
        s = socket.create_connection((host, port))
        if mode == "stalled-tls":
            s.sendall(hello)
        s.setblocking(False)
        selector.register(s, selectors.EVENT_READ)

    for _ in range(count):
        open_one()
    reopened = 0
    missing = 0  # closed by the server, not opened again yet
    end = time.monotonic() + seconds
    second, budget = time.monotonic(), count
    while time.monotonic() < end:
        if time.monotonic() - second >= 1.0:  # a new second, a new budget
            second, budget = time.monotonic(), count
        while missing > 0 and budget > 0:
            open_one()
            missing, budget, reopened = missing - 1, budget - 1, reopened + 1
        wait = min(1.0, end - time.monotonic())
        if missing > 0:  # out of budget: wait for the next second
            wait = min(wait, max(0.0, second + 1.0 - time.monotonic()))
        for key, _ in selector.select(timeout=wait):
            s = key.fileobj
            try:
                data = s.recv(4096)
            except OSError:
                data = b""
            if not data:  # closed by the server
                selector.unregister(s)
                s.close()
                missing += 1
    print(f"held {count}, reopened {reopened}")


if __name__ == "__main__":
    main()
