"""The OpenAPI document describes exactly the routes Flask serves."""
import json
import re

import schemathesis

import app as app_module
from app import OPENAPI_PATH, create_app, parsed_json
from lib.web import auth
from lib.web.database import close_all
from lib.web.errors import ApiError

IGNORED_METHODS = {"HEAD", "OPTIONS"}
HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}


def load_document():
    return json.loads(OPENAPI_PATH.read_text(encoding="utf-8"))


def served_rules(app):
    return [rule for rule in app.url_map.iter_rules() if rule.endpoint != "static"]


def openapi_path(rule):
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule)


def flask_operations(app):
    """{(method, OpenAPI path)} for every route the app registers."""
    return {(method, openapi_path(rule)) for rule in served_rules(app) for method in rule.methods - IGNORED_METHODS}


def documented_operations(document):
    return {(method.upper(), path)
            for path, item in document["paths"].items()
            for method in item if method in HTTP_METHODS}


def test_the_document_is_valid_openapi():
    schemathesis.openapi.from_path(OPENAPI_PATH).validate()


def test_every_route_is_documented_and_every_operation_is_served(app):
    served = flask_operations(app)
    documented = documented_operations(load_document())
    assert served - documented == set(), "served but not in lib/openapi.json"
    assert documented - served == set(), "in lib/openapi.json but not served"


def test_path_parameters_match_the_routes(app):
    document = load_document()
    for path, item in document["paths"].items():
        in_path = set(re.findall(r"{([a-z_]+)}", path))
        for method, operation in item.items():
            declared = {p["name"] for p in operation.get("parameters", []) if p.get("in") == "path"}
            assert declared == in_path, f"{method.upper()} {path}"


def enforced_scope(app, method, url):
    """The scope lib/web/auth.py asks of a request without a token on a
    server that requires one, or None when it lets the request through."""
    with app.test_request_context(url, method=method):
        try:
            auth.authenticate()
        except ApiError as error:
            assert error.status == 401, f"{method} {url}"
            return auth.required_scope()
    return None


def test_every_operation_documents_the_scope_the_app_asks_for(db_path):
    """The security requirement, the sentence that says it, and the 401,
    403 and 429 answers, from what auth.py does for each route: the two
    cannot drift apart."""
    app = create_app({"TESTING": True, "DATABASE": str(db_path), "INIT_DATABASE": False, "ANONYMOUS": "none"})
    document = load_document()
    refusals = {"401", "403", "429"}
    for rule in served_rules(app):
        url = re.sub(r"<[^>]+>", "1", rule.rule)
        for method in rule.methods - IGNORED_METHODS:
            operation = document["paths"][openapi_path(rule)][method.lower()]
            scope = enforced_scope(app, method, url)
            where = f"{method} {openapi_path(rule)}"
            if scope is None:
                assert operation["security"] == [], where
                assert "Open: answered without a token" in operation["description"], where
                assert refusals.isdisjoint(operation["responses"]), where
            else:
                assert operation["security"] == [{"bearer": [scope]}], where
                assert f"Needs a token with the `{scope}` scope." in operation["description"], where
                assert refusals <= operation["responses"].keys(), where
    close_all(app)


def test_the_document_is_served(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.get_json() == load_document()


def test_an_edited_document_is_served_by_the_next_app_and_the_same_one_parsed_once(
        db_path, tmp_path, monkeypatch):
    document = tmp_path / "openapi.json"
    monkeypatch.setattr(app_module, "OPENAPI_PATH", document)
    misses, served = parsed_json.cache_info().misses, []
    for version in ("1", "2", "2"):
        document.write_text(json.dumps({"info": {"version": version}}), encoding="utf-8")
        app = create_app({"TESTING": True, "DATABASE": str(db_path), "INIT_DATABASE": False})
        served.append(app.test_client().get("/api/openapi.json").get_json()["info"]["version"])
        close_all(app)
    assert served == ["1", "2", "2"]
    assert parsed_json.cache_info().misses == misses + 2


def query_schema(operation, name, document):
    for parameter in operation.get("parameters", []):
        if "$ref" in parameter:
            parameter = document["components"]["parameters"][parameter["$ref"].rsplit("/", 1)[1]]
        if parameter["in"] == "query" and parameter["name"] == name:
            return parameter["schema"]
    return None


def test_query_bounds_and_sort_keys_are_the_ones_the_routes_check():
    from lib.web import session_lists, word_lists
    from lib.web.validation import MAX_PAGE, MAX_PER_PAGE
    from routes import dashboard, groups

    sort_keys = {
        "/api/words": word_lists.SORT_COLUMNS,
        "/api/groups": groups.SORT_COLUMNS,
        "/api/groups/{group_id}/words": word_lists.SORT_COLUMNS,
        "/api/groups/{group_id}/study-sessions": session_lists.SORT_COLUMNS,
    }
    document = load_document()
    for path, item in document["paths"].items():
        operation = item.get("get")
        if operation is None:
            continue
        sort_by = query_schema(operation, "sort_by", document)
        if path in sort_keys:
            assert sort_by["enum"] == list(sort_keys[path]), path
            assert query_schema(operation, "order", document)["enum"] == ["asc", "desc"], path
        else:
            assert sort_by is None, path
        page, per_page = query_schema(operation, "page", document), query_schema(operation, "per_page", document)
        if page is not None:
            assert (page["minimum"], page["maximum"]) == (1, MAX_PAGE), path
            assert (per_page["minimum"], per_page["maximum"]) == (1, MAX_PER_PAGE), path
        days = query_schema(operation, "days", document)
        if days is not None:
            assert (days["minimum"], days["maximum"]) == (1, dashboard.MAX_DAYS), path
