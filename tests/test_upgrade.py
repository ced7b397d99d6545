"""A database made before there were several learners, with a history,
upgraded: every figure the API answered before, it answers after, for the
anonymous requests of this machine (the learner "default").

tests/data/before_learners.db.gz and before_learners_answers.json were made
by the code of the last release before migration 0015: sessions and reviews
over twelve days, then each URL below asked at one moment."""
import gzip
import json
import shutil
from datetime import datetime
from pathlib import Path

from app import create_app
from lib.core import clock
from lib.store import integrity
from lib.store.connection import connect
from lib.web.database import close_all

DATA = Path(__file__).resolve().parent / "data"


def test_an_upgraded_database_answers_what_it_answered_before(tmp_path, monkeypatch):
    path = tmp_path / "lang_portal.db"
    with gzip.open(DATA / "before_learners.db.gz", "rb") as source, open(path, "wb") as target:
        shutil.copyfileobj(source, target)
    recorded = json.loads((DATA / "before_learners_answers.json").read_text(encoding="utf-8"))
    app = create_app({"TESTING": True, "DATABASE": str(path)})  # migrates it
    try:
        now = datetime.fromisoformat(recorded["now"].replace("Z", "+00:00"))
        monkeypatch.setattr(clock, "utcnow", lambda: now)
        client = app.test_client()
        changed = []
        for url, before in recorded["answers"].items():
            response = client.get(url)
            after = response.get_json() if response.is_json else response.get_data(as_text=True)
            if response.status_code != 200 or after != before:
                changed.append(url)
        assert changed == []
    finally:
        close_all(app)
    conn = connect(str(path))
    try:
        assert integrity.counter_problems(conn) == []
        assert [tuple(row) for row in conn.execute("SELECT DISTINCT learner_id FROM study_sessions")] == [(1,)]
        assert [tuple(row) for row in conn.execute("SELECT name, admin FROM learners")] == [("default", 1)]
    finally:
        conn.close()
