"""Property-based tests of every operation in lib/openapi.json, in-process.

Schemathesis generates valid and invalid requests for each operation of the
document, sends them to the app through WSGI, and checks every response
against the document: with a token that has every scope, with none on a
server that requires one, and with a token that lacks the operation's
scope. FUZZ_EXAMPLES bounds the generated examples per operation (`make
fuzz` sets 500); the refusals get a quarter of them, since those requests
are refused before their input is read.
"""
import os
from contextlib import closing

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup, ServerError
from schemathesis.core.parameters import ParameterLocation
from schemathesis.generation.meta import negated_parameters
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)

from app import OPENAPI_PATH, create_app
from lib.core import clock
from lib.store import learners
from lib.store.connection import connect, immediate
from lib.web import auth
from lib.web.database import close_all

FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "20"))
REFUSAL_EXAMPLES = max(1, FUZZ_EXAMPLES // 4)

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
CHECKS_BEFORE_ROUTING = [check for check in CHECKS if check is not unsupported_method]
# Werkzeug's client, which schemathesis calls the app with, sends no
# REMOTE_ADDR at all: each test says where its requests come from.
# A client elsewhere on the network (TEST-NET-1): only a token lets it in.
ELSEWHERE = {"REMOTE_ADDR": "192.0.2.10"}
# This machine, where a request without a token may act for the default learner.
LOOPBACK = {"REMOTE_ADDR": "127.0.0.1"}

schema = schemathesis.openapi.from_path(OPENAPI_PATH)


def fuzz_settings(examples):
    return settings(
        max_examples=examples,
        derandomize=True,  # the same examples on every run: CI is not flaky
        database=None,  # and no examples are kept between runs
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                               HealthCheck.filter_too_much],
    )


def add_token(db_path, scopes):
    """A new token of the default learner with ``scopes``."""
    token, secret_hash = learners.new_token()
    with closing(connect(str(db_path))) as conn, immediate(conn):
        learners.add_token(conn, learners.DEFAULT_LEARNER_ID, "fuzz", scopes, secret_hash, clock.now_iso())
    return token


def use_token(case, token):
    """Put ``token`` (None: no token) in place of the one schemathesis made
    up. A case meant to be refused for its Authorization header goes
    without one: a made-up token would count towards the 429 that then
    answers every request from the address, and the run would test nothing
    more."""
    if token is None or ("Authorization", ParameterLocation.HEADER) in set(negated_parameters(case.meta)):
        case.headers.pop("Authorization", None)
    else:
        case.headers["Authorization"] = f"Bearer {token}"


def scope_of(case):
    """The scope the document says the operation needs, or None when it is open."""
    requirements = case.operation.definition.raw["security"]
    return requirements[0]["bearer"][0] if requirements else None


def needs_a_token(context):
    return bool(context.operation.definition.raw["security"])


@pytest.fixture
def fuzz_app(app, client):
    """The app on a seeded database that also holds a few sessions with
    reviews, so that small generated ids find something."""
    for group_id in (1, 2, 3):  # the client is on 127.0.0.1: the default learner, without a token
        session = client.post("/api/study-sessions", json={"group_id": group_id, "study_activity_id": 1})
        assert session.status_code == 201, session.get_json()
        words = client.get(f"/api/groups/{group_id}/words/raw").get_json()["words"]
        reviews = [{"word_id": word["id"], "is_correct": n % 3 != 0} for n, word in enumerate(words[:6])]
        response = client.post(f"/api/study-sessions/{session.get_json()['id']}/review", json={"reviews": reviews})
        assert response.status_code == 201, response.get_json()
    return app


@pytest.fixture
def tokens_required_app(fuzz_app, db_path):
    """Another app on the same database, set to require a token from everywhere."""
    app = create_app({"TESTING": True, "DATABASE": str(db_path), "INIT_DATABASE": False, "ANONYMOUS": "none"})
    yield app
    close_all(app)


@pytest.fixture
def full_token(db_path):
    return add_token(db_path, learners.SCOPES)


@pytest.fixture
def tokens_without(db_path):
    """{scope: a token with every scope but that one}."""
    return {scope: add_token(db_path, [other for other in learners.SCOPES if other != scope]) for scope in learners.SCOPES}


@fuzz_settings(FUZZ_EXAMPLES)
@schema.parametrize()
def test_api_conforms_to_its_document(case, fuzz_app, full_token):
    # The reset operations wipe the history (and full-reset the vocabulary)
    # mid-run: every other operation must cope with that too.
    use_token(case, full_token)
    case.call_and_validate(app=fuzz_app, checks=CHECKS, environ_base=ELSEWHERE)


@fuzz_settings(REFUSAL_EXAMPLES)
@schema.parametrize()
def test_without_a_token_only_the_open_operations_answer(case, tokens_required_app):
    """LANG_PORTAL_ANONYMOUS=none: even from this machine, a request without
    a token is a 401 before anything else about it is looked at (a method
    or URL that is not served too, hence no unsupported_method check),
    unless it is a preflight or an open operation."""
    use_token(case, None)
    response = case.call_and_validate(app=tokens_required_app, checks=CHECKS_BEFORE_ROUTING,
                                      environ_base=LOOPBACK)
    method = response.request.method
    if method != "OPTIONS" and not (scope_of(case) is None and method == case.operation.method.upper()):
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == [auth.REALM]


@fuzz_settings(REFUSAL_EXAMPLES)
@schema.include(needs_a_token).parametrize()
def test_a_token_without_the_scope_is_refused(case, fuzz_app, tokens_without):
    """With every scope but the one the document names, the operation is a
    403 that names its scope: read does not let a token write, and admin
    stands in for no other scope."""
    use_token(case, tokens_without[scope_of(case)])
    response = case.call_and_validate(app=fuzz_app, checks=CHECKS, environ_base=ELSEWHERE)
    refused = (response.status_code == 403 and response.headers["www-authenticate"]
               == [f'Bearer error="insufficient_scope", scope="{scope_of(case)}"'])
    # A request made invalid on purpose may leave the token out (401), name
    # no route (404, 405: the scope asked of it is read) or be a preflight.
    assert refused or (case.meta.generation.mode.is_negative and response.status_code in (401, 404, 405)
                       or response.request.method == "OPTIONS"), response.status_code


def test_a_server_error_fails_the_checks(fuzz_app, full_token):
    """With TESTING=True the app's Exception handler still turns an error in
    a view into a JSON 500; the fuzz test must fail on it, not pass it by."""
    def broken():
        raise RuntimeError("boom")

    fuzz_app.view_functions["dashboard.stats"] = broken
    case = schema["/api/dashboard/stats"]["GET"].Case()
    use_token(case, full_token)
    with pytest.raises(FailureGroup) as raised:
        case.call_and_validate(app=fuzz_app, checks=CHECKS, environ_base=ELSEWHERE)
    assert any(isinstance(failure, ServerError) for failure in raised.value.exceptions)


def test_bad_tokens_then_the_429_are_answered_as_documented(fuzz_app, full_token):
    """auth.FAILURES_ALLOWED bad tokens from one address are 401s; then
    every request from it that carries a token, a good one too, is a 429,
    while another address is still served."""
    operation = schema["/api/words"]["GET"]

    def call(token, address):
        case = operation.Case()
        use_token(case, token)
        return case.call_and_validate(app=fuzz_app, checks=CHECKS, environ_base=address).status_code

    assert [call("lp_unknown", ELSEWHERE) for _ in range(auth.FAILURES_ALLOWED)] == [401] * auth.FAILURES_ALLOWED
    assert call(full_token, ELSEWHERE) == 429
    assert call(full_token, {"REMOTE_ADDR": "192.0.2.11"}) == 200


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
