"""The app under gunicorn on a free loopback port, for tests that need real
processes: several workers writing at once, or a server killed mid-write."""
import http.client
import ipaddress
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).parent / "gunicorn"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# A socket's state as the kernel writes it
ESTABLISHED, LISTENING = "01", "0A"


class TcpSocket(NamedTuple):
    local: tuple  # (address, port)
    remote: tuple
    state: str
    unread: int  # bytes received that its process has not read yet


def endpoint(text):
    """("127.0.0.1", 5000) from the kernel's "0100007F:1388": each 32-bit word
    of the address is written as a number, in this machine's (little-endian) order."""
    address, _, port = text.partition(":")
    words = [bytes.fromhex(address[i:i + 8])[::-1] for i in range(0, len(address), 8)]
    return str(ipaddress.ip_address(b"".join(words))), int(port, 16)


def tcp_sockets():
    """Every TCP socket of this machine, IPv4 and IPv6, as Linux lists them."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as lines:
            next(lines)
            for line in lines:
                _, local, remote, state, queues, *_ = line.split()
                found.append(TcpSocket(endpoint(local), endpoint(remote), state, int(queues.partition(":")[2], 16)))
    return found


class LiveServer:
    def __init__(self, db_path, workers=4, env=None, app="app:create_app()"):
        self.db_path = db_path
        self.workers = workers
        self.app = app
        self.env = env or {}
        self.port = free_port()
        self.process = None

    def command(self):
        return [str(GUNICORN), "--config", "python:lib.gunicorn_conf", "--workers", str(self.workers),
                "--bind", f"127.0.0.1:{self.port}", "--graceful-timeout", "5", self.app]

    def environment(self):
        return {**os.environ, **self.env, "LANG_PORTAL_DATABASE": str(self.db_path)}

    def start(self, timeout=20):
        self.process = subprocess.Popen(
            self.command(), cwd=ROOT, env=self.environment(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            start_new_session=True,  # its own process group, so a kill reaches every worker
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {self.process.stderr.read().decode()[-2000:]}")
            try:
                if self.request("GET", "/api/study-activities")[0] == 200:
                    return self
            except OSError:
                time.sleep(0.1)
        self.stop()  # not left serving where no test looks for it
        raise RuntimeError("gunicorn did not answer in time")

    def request(self, method, path, body=None, timeout=30):
        """(status, parsed JSON or raw text) over a fresh connection."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            headers = {"Content-Type": "application/json"} if body is not None else {}
            conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
            response = conn.getresponse()
            text = response.read().decode()
            try:
                return response.status, json.loads(text)
            except ValueError:
                return response.status, text
        finally:
            conn.close()

    def kill(self):
        """SIGKILL every process of the server at once: a crash, not a shutdown."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()
