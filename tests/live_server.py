"""The app under gunicorn on a free loopback port, for tests that need real
processes: several workers writing at once, or a server killed mid-write."""
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).parent / "gunicorn"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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

    def start(self, timeout=20, stderr=subprocess.PIPE):
        """``stderr``: where the server's log goes (a pipe read if it fails to start)."""
        env = {**os.environ, **self.env, "LANG_PORTAL_DATABASE": str(self.db_path)}
        self.process = subprocess.Popen(
            self.command(), cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=stderr,
            start_new_session=True,  # its own process group, so a kill reaches every worker
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                said = self.process.stderr.read().decode()[-2000:] if self.process.stderr else ""
                raise RuntimeError(f"gunicorn exited: {said}")
            try:
                if self.request("GET", "/api/study-activities")[0] == 200:
                    return self
            except OSError:
                time.sleep(0.1)
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
