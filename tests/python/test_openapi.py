"""The served OpenAPI document, checked with a standard validator
(openapi-spec-validator, OpenAPI 3.1) and for what a generated client needs:
every JSON answer of /api/v1 has a schema with named fields, every field a
description or a type, every error the shared error schema.
"""

import requests
from openapi_spec_validator import validate


def document(world):
    r = requests.get(world.api + "/api/openapi.json", timeout=30)
    r.raise_for_status()
    return r.json()


def resolve(doc, schema):
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = doc["components"]["schemas"][name]
    return schema


def test_the_document_is_valid_openapi_3_1(world):
    doc = document(world)
    assert doc["openapi"].startswith("3.1")
    validate(doc)  # raises, naming the place, on any violation


def test_every_json_answer_of_the_api_has_named_fields(world):
    doc = document(world)
    checked = 0
    for path, item in doc["paths"].items():
        if not path.startswith("/api/v1/"):
            continue
        for method, op in item.items():
            assert op.get("summary") or op.get("description"), f"{method} {path}: no text"
            for status, response in op["responses"].items():
                schema = response.get("content", {}).get("application/json", {}).get("schema")
                assert schema, f"{method} {path} {status}: no JSON schema"
                schema = resolve(doc, schema)
                assert schema.get("properties"), f"{method} {path} {status}: no fields"
                if status.startswith(("4", "5")):
                    assert set(schema["properties"]) >= {"error"}, f"{method} {path} {status}"
                checked += 1
    assert checked >= 15


def test_the_readable_api_page_is_served_without_a_cdn(world):
    page = requests.get(world.api + "/api/docs/", timeout=30)
    assert page.status_code == 200
    assert "swagger-ui-bundle.js" in page.text
    assert "://" not in page.text.split("<body>", 1)[-1], "assets must come from this server"
