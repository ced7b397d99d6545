"""What a real server does with broken and oversized requests: over
sockets, against gunicorn."""
import json
import socket
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.live_server import LiveServer


@pytest.fixture(scope="module")
def server(tmp_path_factory, seeded_template):
    path = tmp_path_factory.mktemp("http-edges") / "lang_portal.db"
    path.write_bytes(seeded_template.read_bytes())
    live = LiveServer(path).start()
    yield live
    live.stop()


def send_raw(server, data, timeout=10, piece=None):
    """Send ``data`` as is (in pieces of ``piece`` bytes with a pause between
    them, as a client on a slower link does), then read the whole answer:
    (status, headers, body). Like curl, a client whose sending is cut off
    (a broken pipe) gets no answer at all."""
    piece = piece or len(data)
    with socket.create_connection(("127.0.0.1", server.port), timeout=timeout) as sock:
        for start in range(0, len(data), piece):
            sock.sendall(data[start:start + piece])
            time.sleep(0.001)
        sock.shutdown(socket.SHUT_WR)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {name.lower(): value.strip() for name, _, value in (line.partition(":") for line in header_lines)}
    return int(status_line.split()[1]), headers, body


def test_a_malformed_chunk_size_is_a_json_400(server):
    request = (b"POST /api/study-sessions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
               b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
               b"ZZ\r\n{}\r\n0\r\n\r\n")

    status, headers, body = send_raw(server, request)

    assert status == 400
    assert headers["content-type"] == "application/json"
    assert "malformed" in json.loads(body)["error"]


def test_a_body_over_the_limit_is_read_to_its_end_and_answered_413(server):
    body = b'{"pad": "' + b"x" * (2 * 1024 * 1024) + b'"}'
    request = (b"POST /api/study-sessions HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
               b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body)) + body
    # Several at once, as browsers and workers overlap: none may end in a broken pipe.
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda _: send_raw(server, request, piece=64 * 1024), range(4)))

    for status, headers, answer in answers:
        assert status == 413
        assert json.loads(answer) == {"error": "The request body is too large."}
