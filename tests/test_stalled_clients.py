"""A few stalled clients must not keep everybody else waiting."""
import http.client
import socket
import time

import pytest

from tests.live_server import LiveServer


@pytest.fixture
def server(db_path):
    live = LiveServer(db_path).start()
    yield live
    live.stop()


def test_stalled_connections_do_not_keep_others_waiting(server):
    stalled = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(8)]
    try:
        for sock in stalled:
            sock.sendall(b"GET /api/wo")  # half a request line, and then nothing
        time.sleep(0.5)
        started = time.monotonic()
        # Far below the server's timeout (30 s): no request waits for a stalled one.
        for _ in range(8):
            conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
            conn.request("GET", "/api/dashboard/stats")
            assert conn.getresponse().status == 200
            conn.close()
        assert time.monotonic() - started < 5
    finally:
        for sock in stalled:
            sock.close()
