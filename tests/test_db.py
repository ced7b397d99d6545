import shutil
import sqlite3

import pytest

from app import create_app
from lib.db import get_db, transaction
from tests.helpers import count

NEW_GROUP = "INSERT INTO groups (name) VALUES ('Written during a read')"


@pytest.mark.parametrize("method", ["GET", "HEAD", "OPTIONS"])
def test_a_reading_request_cannot_write(app, db, method):
    with app.test_request_context("/api/groups", method=method):
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            get_db().execute(NEW_GROUP)
    assert count(db, "groups") == 7


def test_a_writing_request_writes(app, db):
    with app.test_request_context("/api/groups", method="POST"):
        with transaction() as conn:
            conn.execute(NEW_GROUP)
    assert count(db, "groups") == 8


def test_a_database_path_that_is_not_a_plain_uri_is_read(seeded_template, tmp_path, monkeypatch):
    folder = tmp_path / "my portal #1 ?100%"
    folder.mkdir()
    shutil.copy(seeded_template, folder / "lang_portal.db")
    monkeypatch.chdir(tmp_path)
    app = create_app({"TESTING": True, "DATABASE": "my portal #1 ?100%/lang_portal.db"})

    response = app.test_client().get("/api/groups")

    assert response.status_code == 200
    assert len(response.get_json()["groups"]) == 7
