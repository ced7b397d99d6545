import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app import create_app  # noqa: E402
from lib.startup import init_database  # noqa: E402
from lib.store import seed  # noqa: E402
from lib.store.connection import connect  # noqa: E402
from lib.web.database import close_all  # noqa: E402


@pytest.fixture(scope="session")
def seeded_template(tmp_path_factory):
    """A migrated, seeded database file, built once; each test gets a copy."""
    path = tmp_path_factory.mktemp("template") / "seeded.db"
    init_database(str(path), str(seed.SEED_DIR))
    return path


@pytest.fixture
def db_path(tmp_path, seeded_template):
    path = tmp_path / "lang_portal.db"
    shutil.copy(seeded_template, path)
    return path


@pytest.fixture
def app(db_path):
    # The template was prepared as serving prepares a file (init_database):
    # a copy needs no second quick_check, migration pass and write probe.
    app = create_app({"TESTING": True, "DATABASE": str(db_path), "INIT_DATABASE": False})
    yield app
    close_all(app)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def db(db_path):
    """A connection of the test's own, to check what is stored."""
    conn = connect(str(db_path))
    yield conn
    conn.close()
