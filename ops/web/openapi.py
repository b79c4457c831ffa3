"""The OpenAPI description of the JSON API, its fields read from the views themselves.

Field names are the view columns, so a column added to a view appears here without a code change.
"""

from __future__ import annotations

from typing import Any

_TYPES: dict[str, dict[str, Any]] = {
    "integer": {"type": "integer"}, "bigint": {"type": "integer"}, "smallint": {"type": "integer"},
    "boolean": {"type": "boolean"}, "text": {"type": "string"}, "character varying": {"type": "string"},
    "date": {"type": "string", "format": "date"},
    "timestamp with time zone": {"type": "string", "format": "date-time"},
    "numeric": {"type": "number"}, "double precision": {"type": "number"}, "real": {"type": "number"},
    "ARRAY": {"type": "array", "items": {"type": "string"}},
    "jsonb": {}, "json": {},
}
_AS_OF = {"name": "as_of", "in": "query", "schema": {"type": "string", "format": "date-time"},
          "description": "Show what was known at this time (ISO 8601; a date means its midnight UTC): each "
                         "incident at its version then; incidents first known later are absent."}
_FILTERS = [
    {"name": "category", "in": "query", "schema": {"type": "string"}, "description": "attack, accident or disaster"},
    {"name": "type", "in": "query", "schema": {"type": "string"}, "description": "event_type, e.g. bombing"},
    {"name": "country", "in": "query", "schema": {"type": "string"}, "description": "ISO 3166-1 alpha-2"},
    {"name": "since", "in": "query", "schema": {"type": "string", "format": "date"},
     "description": "occurred on or after this day"},
    {"name": "until", "in": "query", "schema": {"type": "string", "format": "date"},
     "description": "occurred on or before this day"},
    {"name": "q", "in": "query", "schema": {"type": "string"},
     "description": "free text in place, country, type, perpetrator or claim"},
    {"name": "cursor", "in": "query", "schema": {"type": "string"}, "description": "next_cursor of the page before"},
    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 200, "default": 50}},
]
_ERROR = {"description": "a bad parameter, or no such incident", "content": {"application/json": {"schema": {
    "type": "object", "properties": {"error": {"type": "string"}}}}}}


def _object(columns: list[tuple[str, str]], extra: dict[str, Any] | None = None) -> dict[str, Any]:
    properties = {name: {**_TYPES.get(kind, {}), "nullable": True} for name, kind in columns}
    return {"type": "object", "properties": {**properties, **(extra or {})}}


def describe(columns: dict[str, list[tuple[str, str]]]) -> dict[str, Any]:
    """The OpenAPI 3.0 document, from the (column, type) lists of the views."""
    version_extra = {
        "changed": {"type": "array", "items": {"type": "string"}, "description": "the same as changed_fields"},
        "published": {"type": "string", "format": "date-time", "nullable": True,
                      "description": "when the article behind the version was published"},
        "outlet": {"type": "string", "nullable": True, "description": "the feed's name, else the article's host"},
    }
    source_extra = {"outlet": version_extra["outlet"]}
    schemas = {
        "Incident": _object(columns["incidents_current"]),
        "Version": _object(columns["incident_versions"], version_extra),
        "Source": _object(columns["incident_articles"], source_extra),
        "Feed": _object(columns["feed_health"]),
    }
    detail = {"allOf": [{"$ref": "#/components/schemas/Incident"}, {"type": "object", "properties": {
        "versions": {"type": "array", "items": {"$ref": "#/components/schemas/Version"}},
        "sources": {"type": "array", "items": {"$ref": "#/components/schemas/Source"}}}}]}
    listing = {"type": "object", "properties": {
        "incidents": {"type": "array", "items": {"$ref": "#/components/schemas/Incident"}},
        "next_cursor": {"type": "string", "nullable": True},
        "next": {"type": "string", "nullable": True, "description": "the URL of the next page"},
        "as_of": {"type": "string", "format": "date-time", "nullable": True}}}

    def ok(schema: dict[str, Any]) -> dict[str, Any]:
        return {"description": "OK", "content": {"application/json": {"schema": schema}}}

    return {
        "openapi": "3.0.3",
        "info": {"title": "newswatch", "version": "1",
                 "description": "The incident register, read-only. Field names are those of the views "
                                "incidents_current, incident_versions, incident_articles and feed_health."},
        "paths": {
            "/api/incidents": {"get": {
                "summary": "Incidents, newest change first, paged by cursor",
                "parameters": [*_FILTERS, _AS_OF], "responses": {"200": ok(listing), "400": _ERROR}}},
            "/api/incidents/{incident_id}": {"get": {
                "summary": "One incident with its versions and sources (a merged id redirects to the survivor)",
                "parameters": [{"name": "incident_id", "in": "path", "required": True,
                                "schema": {"type": "integer"}}, _AS_OF],
                "responses": {"200": ok(detail), "301": {"description": "merged into another incident"},
                              "404": _ERROR}}},
            "/api/feeds": {"get": {"summary": "Every feed's polling health", "responses": {"200": ok(
                {"type": "object", "properties": {"feeds": {"type": "array",
                                                            "items": {"$ref": "#/components/schemas/Feed"}}}})}}},
        },
        "components": {"schemas": schemas},
    }
