"""The ceiling: a bare Flask route returning a constant small JSON.

    gunicorn --config python:lib.gunicorn_conf 'bench.bare_app:create_app()'

The benchmark serves it with the same server settings as the real app, so a
route's throughput divided by this one's is the share the route keeps of what
Flask and gunicorn can do at all on this machine.
"""
from flask import Flask, jsonify


def create_app():
    app = Flask(__name__)

    @app.get("/api/bare")
    def bare():
        return jsonify(status="ok")

    return app
