"""The app under gunicorn on a free loopback port, for tests that need real
processes: several workers writing at once, or a server killed mid-write.
The benchmark serves through it too (bench/serving.py)."""
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
HOST = "127.0.0.1"


def free_port():
    with socket.socket() as sock:
        sock.bind((HOST, 0))
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
    """``app`` served from ``db_path`` (None: an app that keeps no database)
    by ``workers`` workers (None: as many as lib/gunicorn_conf.py says);
    started once ``ready`` answers 200. Its output goes to the file ``log``
    when one is named, else its errors are kept for the message of a failed
    start: a long run would fill that pipe and stall the server."""

    def __init__(self, db_path, workers=4, env=None, app="app:create_app()",
                 ready="/api/study-activities", log=None):
        self.db_path = db_path
        self.workers = workers
        self.app = app
        self.env = env or {}
        self.ready = ready
        self.log = log
        self.port = free_port()
        self.process = None

    def command(self):
        workers = [] if self.workers is None else ["--workers", str(self.workers)]
        return [str(GUNICORN), "--config", "python:lib.gunicorn_conf", *workers,
                "--bind", f"{HOST}:{self.port}", "--graceful-timeout", "5", self.app]

    def environment(self):
        env = {**os.environ, **self.env}
        if self.db_path is not None:
            env["LANG_PORTAL_DATABASE"] = str(self.db_path)
        return env

    def start(self, timeout=20, stderr=subprocess.PIPE):
        """``stderr``: where the server's errors go when no ``log`` is named
        (a pipe, read for the message if it fails to start)."""
        if self.log is None:
            output, errors = subprocess.DEVNULL, stderr
        else:
            output, errors = open(self.log, "ab"), subprocess.STDOUT
        try:
            self.process = subprocess.Popen(
                self.command(), cwd=ROOT, env=self.environment(), stdout=output, stderr=errors,
                start_new_session=True,  # its own process group, so a kill reaches every worker
            )
        finally:
            if self.log is not None:
                output.close()  # the server has its own descriptor of the file
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                said = (f"see {self.log}" if self.log is not None else
                        self.process.stderr.read().decode()[-2000:] if self.process.stderr else "")
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}: {said}")
            try:
                if self.request("GET", self.ready)[0] == 200:
                    return self
            except OSError:
                time.sleep(0.1)
        self.stop()  # not left serving where no test looks for it
        raise RuntimeError("gunicorn did not answer in time")

    def request(self, method, path, body=None, timeout=30, headers=None):
        """(status, parsed JSON or raw text) over a fresh connection."""
        conn = http.client.HTTPConnection(HOST, self.port, timeout=timeout)
        try:
            headers = {**({"Content-Type": "application/json"} if body is not None else {}), **(headers or {})}
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
