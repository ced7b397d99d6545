"""A small HTTP load generator: the standard library only.

The server's gthread workers (lib/gunicorn_conf.py) would keep a connection
alive; this client does not ask them to: each request says ``Connection:
close`` and is one short TCP connection, read to its end (so no response
needs parsing). Every figure measured with it, the bare ceiling's included,
pays for a connection per request. A few threads keep that many requests in
flight; the socket calls release the GIL, and one client process leaves the
two cores to the server as far as it can. Only loopback addresses are
accepted.
"""
import ipaddress
import socket
import threading
import time


def request_bytes(method, path, host, port, body=None, headers=None):
    """One request as sent; ``headers`` ({name: value}) go with it, e.g.
    Authorization."""
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}:{port}", "Connection: close",
             "Accept: application/json", "User-Agent: lang-portal-bench"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    payload = b""
    if body is not None:
        payload = body.encode("utf-8")
        lines += ["Content-Type: application/json", f"Content-Length: {len(payload)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("ascii") + payload


def status_of(response):
    """200 from b"HTTP/1.1 200 OK ..."; 0 when it is not an HTTP response."""
    try:
        return int(response[9:12])
    except ValueError:
        return 0


def fetch(address, raw):
    """Send one request on a new connection; return the whole response."""
    with socket.create_connection(address, timeout=30) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.sendall(raw)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def run(host, port, requests, duration, connections=4, warmup=0.2):
    """Send ``requests`` (raw bytes, used in turn) from ``connections`` threads
    for ``warmup`` + ``duration`` seconds; count what completes in the last
    ``duration``: {"requests", "failed", "seconds", "rps"}."""
    if not ipaddress.ip_address(host).is_loopback:
        raise ValueError("load is only sent to loopback addresses")
    address = (host, port)
    start = time.perf_counter() + warmup
    stop = start + duration
    counts = []

    def worker(turn):
        done = failed = 0
        while (now := time.perf_counter()) < stop:
            try:
                status = status_of(fetch(address, requests[turn % len(requests)]))
                ok = 200 <= status < 300 or status == 304  # 304: a conditional GET's answer
            except OSError:
                ok = False
            turn += 1
            if start <= now and time.perf_counter() <= stop:
                done, failed = done + ok, failed + (not ok)
        counts.append((done, failed))

    threads = [threading.Thread(target=worker, args=(n * 7919,)) for n in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    done = sum(d for d, _ in counts)
    return {"requests": done, "failed": sum(f for _, f in counts), "seconds": duration, "rps": done / duration}
