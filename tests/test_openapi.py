"""The OpenAPI document describes exactly the routes Flask serves."""
import json
import re

import schemathesis

import app as app_module
from app import OPENAPI_PATH, create_app, parsed_json
from lib.web.database import close_all

IGNORED_METHODS = {"HEAD", "OPTIONS"}
HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}


def load_document():
    return json.loads(OPENAPI_PATH.read_text(encoding="utf-8"))


def flask_operations(app):
    """{(method, OpenAPI path)} for every route the app registers."""
    operations = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule)
        operations.update((method, path) for method in rule.methods - IGNORED_METHODS)
    return operations


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
