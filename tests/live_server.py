"""The app under gunicorn on a free loopback port, for tests that need real
processes: several workers writing at once, or a server killed mid-write.
The benchmark serves through it too (bench/serving.py)."""
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
HOST = "127.0.0.1"


def free_port():
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


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

    def start(self, timeout=20):
        env = {**os.environ, **self.env}
        if self.db_path is not None:
            env["LANG_PORTAL_DATABASE"] = str(self.db_path)
        workers = [] if self.workers is None else ["--workers", str(self.workers)]
        command = [str(GUNICORN), "--config", "python:lib.gunicorn_conf", *workers,
                   "--bind", f"{HOST}:{self.port}", "--graceful-timeout", "5", self.app]
        if self.log is None:
            output, errors = subprocess.DEVNULL, subprocess.PIPE
        else:
            output, errors = open(self.log, "ab"), subprocess.STDOUT
        try:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=output, stderr=errors,
                start_new_session=True,  # its own process group, so a kill reaches every worker
            )
        finally:
            if self.log is not None:
                output.close()  # the server has its own descriptor of the file
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                said = f"see {self.log}" if self.log is not None else self.process.stderr.read().decode()[-2000:]
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}: {said}")
            try:
                if self.request("GET", self.ready)[0] == 200:
                    return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("gunicorn did not answer in time")

    def request(self, method, path, body=None, timeout=30):
        """(status, parsed JSON or raw text) over a fresh connection."""
        conn = http.client.HTTPConnection(HOST, self.port, timeout=timeout)
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
