"""Property-based tests of every operation in lib/openapi.json, in-process.

Schemathesis generates valid and invalid requests for each operation of the
document, sends them to the app through WSGI, and checks every response
against the document. FUZZ_EXAMPLES bounds the generated examples per
operation (`make fuzz` sets 500).
"""
import os

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup, ServerError
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)

from app import OPENAPI_PATH, create_app

FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "20"))

# Not positive_data_acceptance: a valid request may name a group or word
# that does not exist or does not fit, and that is a 404 or 422 by contract.
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
    negative_data_rejection,
    unsupported_method,
]

schema = schemathesis.openapi.from_path(OPENAPI_PATH)


@pytest.fixture
def fuzz_app(db_path):
    """The app on a seeded database that also holds a few sessions with
    reviews, so that small generated ids find something."""
    app = create_app({"TESTING": True, "DATABASE": str(db_path)})
    client = app.test_client()
    for group_id in (1, 2, 3):
        session = client.post("/api/study-sessions", json={"group_id": group_id, "study_activity_id": 1})
        assert session.status_code == 201, session.get_json()
        words = client.get(f"/api/groups/{group_id}/words/raw").get_json()["words"]
        reviews = [{"word_id": word["id"], "is_correct": n % 3 != 0} for n, word in enumerate(words[:6])]
        response = client.post(f"/api/study-sessions/{session.get_json()['id']}/review", json={"reviews": reviews})
        assert response.status_code == 201, response.get_json()
    return app


@settings(
    max_examples=FUZZ_EXAMPLES,
    derandomize=True,  # the same examples on every run: CI is not flaky
    database=None,  # and no examples are kept between runs
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                           HealthCheck.filter_too_much],
)
@schema.parametrize()
def test_api_conforms_to_its_document(case, fuzz_app):
    # The reset operations wipe the history (and full-reset the vocabulary)
    # mid-run: every other operation must cope with that too.
    case.call_and_validate(app=fuzz_app, checks=CHECKS)


def test_a_server_error_fails_the_checks(fuzz_app):
    """With TESTING=True the app's Exception handler still turns an error in
    a view into a JSON 500; the fuzz test must fail on it, not pass it by."""
    def broken():
        raise RuntimeError("boom")

    fuzz_app.view_functions["dashboard.stats"] = broken
    case = schema["/api/dashboard/stats"]["GET"].Case()
    with pytest.raises(FailureGroup) as raised:
        case.call_and_validate(app=fuzz_app, checks=CHECKS)
    assert any(isinstance(failure, ServerError) for failure in raised.value.exceptions)


NESTED = "[" * 100_000 + "]" * 100_000

POSTS = [
    "/api/study-sessions",
    "/api/study-sessions/1/review",
    "/api/study-sessions/1/words/1/review",
    "/api/study-sessions/reset",
    "/api/full-reset",
]


@pytest.mark.parametrize("path", POSTS)
def test_json_nested_past_the_parser_limit_is_a_400(fuzz_app, path):
    """An input schemathesis does not generate: json.loads raises
    RecursionError (not ValueError, so get_json(silent=True) lets it through)."""
    response = fuzz_app.test_client().post(path, data=NESTED, content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["error"]


@pytest.mark.parametrize("path", POSTS[:3])
def test_json_nested_past_the_parser_limit_is_a_400_with_an_idempotency_key(fuzz_app, path):
    response = fuzz_app.test_client().post(path, data=NESTED, content_type="application/json",
                                           headers={"Idempotency-Key": "nested"})
    assert response.status_code == 400
    assert response.get_json()["error"]
