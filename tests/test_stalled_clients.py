"""A few stalled clients must not keep everybody else waiting."""
import http.client
import select
import socket
import time

import pytest

from tests.live_server import ESTABLISHED, LiveServer, tcp_sockets

STALLED = 8  # more than the workers: each stalled client must hold a thread, not a worker


@pytest.fixture
def server(db_path):
    live = LiveServer(db_path, workers=2).start()
    yield live
    live.stop()


def held_by_the_server(stalled, port):
    """Whether the server has read all that each of ``stalled`` sent and
    holds every one of them open: a thread of it waits for the rest."""
    held = {found.remote for found in tcp_sockets()
            if found.local == ("127.0.0.1", port) and found.state == ESTABLISHED and found.unread == 0}
    return all(sock.getsockname() in held for sock in stalled)


def wait_for(condition, failure, timeout=60):
    """Poll ``condition`` until it holds; the timeout only keeps a test from hanging."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(failure)
        time.sleep(0.05)


def answer_status(sock):
    response = http.client.HTTPResponse(sock)
    response.begin()
    response.read()
    return response.status


def test_stalled_connections_do_not_keep_others_waiting(server):
    stalled = [socket.create_connection(("127.0.0.1", server.port), timeout=60) for _ in range(STALLED)]
    try:
        for sock in stalled:
            sock.sendall(b"GET /api/wo")  # half a request line, and then nothing
        wait_for(lambda: held_by_the_server(stalled, server.port), "the server did not take up every stalled client")

        answers = [server.request("GET", "/api/dashboard/stats", timeout=60) for _ in range(2 * STALLED)]

        assert [status for status, _ in answers] == [200] * 2 * STALLED
        assert all("total_sessions" in body for _, body in answers)
        # all the while every stalled client was still connected, unanswered
        assert not select.select(stalled, [], [], 0)[0]
        assert held_by_the_server(stalled, server.port)
        # and each is answered once it finishes its request
        for sock in stalled:
            sock.sendall(b"rds HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        assert [answer_status(sock) for sock in stalled] == [200] * STALLED
    finally:
        for sock in stalled:
            sock.close()
