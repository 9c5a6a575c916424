#!/usr/bin/python3
"""Status pages as the bench keeps them open: PAGES readers of a
coordinator's status API, each doing what app/status_assets/status.js does
once a second (GET /api/v1/status?after=N, over one kept-alive
connection), until SECONDS have passed or it is killed. Prints the
requests made and failed at the end.

    status_pages.py PORT PAGES SECONDS
"""
import http.client
import json
import signal
import sys
import threading
import time

port, pages, seconds = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
stop = threading.Event()
counts = {"requests": 0, "failed": 0}
lock = threading.Lock()


def page():
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    last = 0
    while not stop.is_set():
        began = time.monotonic()
        ok = False
        try:
            connection.request("GET", "/api/v1/status?after=%d" % last)
            answer = connection.getresponse()
            body = answer.read()
            ok = answer.status == 200
            if ok:
                last = json.loads(body)["last"]
        except (OSError, http.client.HTTPException):
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port,
                                                    timeout=10)
        with lock:
            counts["requests"] += 1
            counts["failed"] += 0 if ok else 1
        stop.wait(max(0.0, 1.0 - (time.monotonic() - began)))


signal.signal(signal.SIGTERM, lambda *_: stop.set())
threads = [threading.Thread(target=page, daemon=True) for _ in range(pages)]
for t in threads:
    t.start()
stop.wait(seconds)
stop.set()
for t in threads:
    t.join(timeout=15)
print("status pages: %d pages, %d requests, %d failed"
      % (pages, counts["requests"], counts["failed"]))
