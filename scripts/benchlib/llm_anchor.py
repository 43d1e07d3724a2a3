#!/usr/bin/env python3
"""The llm bench's anchor: the mock alone. Replays one request exactly as candlewick sent it (same path,
headers and body bytes) COUNT times, CONCURRENCY at once, one connection per request as libcurl opens
them, from this separate process (as candlewick-bench is), and prints {"wall_s", "latency_p50_ms"} as JSON.
What it measures is the floor the mock itself allows: its parsing and strict checks, its 1 s wait, the
rounds (200 / 16 is 13 rounds of 1 s, not 12.5), and the loopback, with a client that does nothing else.
Usage: llm_anchor.py URL REQUEST.json COUNT CONCURRENCY  (REQUEST.json: {"path", "headers", "body_file"})"""
import http.client
import json
import statistics
import sys
import threading
import time
import urllib.parse


def main():
    url, spec, count, concurrency = sys.argv[1], json.load(open(sys.argv[2])), int(sys.argv[3]), int(sys.argv[4])
    body = open(spec["body_file"], "rb").read()
    host = urllib.parse.urlparse(url)
    # The headers candlewick sent that matter to the mock; http.client sets Host and Content-Length itself.
    headers = {k: v for k, v in spec["headers"].items() if k.lower() not in ("host", "content-length", "expect")}
    latencies, failures, lock, started = [], [], threading.Lock(), [0]

    def worker():
        while True:
            with lock:
                if started[0] >= count:
                    return
                started[0] += 1
            t = time.monotonic()
            try:
                c = http.client.HTTPConnection(host.hostname, host.port, timeout=30)
                c.request("POST", spec["path"], body, headers)
                r = c.getresponse()
                r.read()
                c.close()
                if r.status != 200:
                    failures.append(f"HTTP {r.status}")
            except OSError as e:
                failures.append(str(e))
            with lock:
                latencies.append(time.monotonic() - t)

    t0 = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.monotonic() - t0
    if failures:
        sys.exit(f"llm anchor: {len(failures)} of {count} requests failed, first: {failures[0]}")
    print(json.dumps({"wall_s": wall, "latency_p50_ms": statistics.median(latencies) * 1000}))


if __name__ == "__main__":
    main()
