"""The Starlette application: pages, the JSON API, live events. Read-only: GET (and HEAD) only."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from importlib import resources
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, PackageLoader, select_autoescape
from sse_starlette import EventSourceResponse
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from ops.web import chart, queries
from ops.web.db import reader_pool
from ops.web.live import Hub, upsert_event
from ops.web.openapi import describe
from ops.web.queries import BadRequest, Filters, NotKnown
from ops.web.security import Guard, safe_href
from workers.extraction.event_types import CATEGORY

LIVE_SLACK = timedelta(seconds=60)  # a version committed just after the page was read is sent again
SSE_PING_S = 15


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


class ViewJSON(JSONResponse):
    """JSON with dates as ISO 8601 strings, UTF-8 as is."""

    def render(self, content: Any) -> bytes:
        return json.dumps(content, default=_json_default, ensure_ascii=False).encode("utf-8")


def _figure(row: dict[str, Any], name: str) -> str:
    value = row.get(name)
    if value is None:
        return "?"
    qualifier = row.get(f"{name}_qualifier")
    return f"{qualifier.replace('_', ' ')} {value}" if qualifier else str(value)


def _when(moment: datetime | date | None) -> str:
    if moment is None:
        return ""
    if isinstance(moment, datetime):
        return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    return moment.isoformat()


def make_templates() -> Environment:
    env = Environment(loader=PackageLoader("ops.web", "templates"), autoescape=select_autoescape(default=True),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters.update(figure=_figure, when=_when, safe_href=safe_href, host=queries.host_of)
    env.globals.update(categories=sorted(set(CATEGORY.values())), types=sorted(CATEGORY), with_query=_with_query)
    return env


def _as_of(request: Request) -> datetime | None:
    text = request.query_params.get("as_of")
    return queries.parse_moment(text) if text else None


def _limit(request: Request) -> int:
    text = request.query_params.get("limit", str(queries.PAGE_SIZE))
    if not text.isdigit() or not 1 <= int(text) <= queries.MAX_LIMIT:
        raise BadRequest(f"limit={text!r}: a whole number from 1 to {queries.MAX_LIMIT}")
    return int(text)


def _with_query(path: str, params: dict[str, Any]) -> str:
    kept = {k: v for k, v in params.items() if v not in (None, "")}
    return f"{path}?{urlencode(kept)}" if kept else path


def create_app(database_url: str, *, token: str | None = None, pool_max: int = 10,
               batch_s: float = 0.5) -> Guard:
    templates = make_templates()
    pool = reader_pool(database_url, pool_max)

    def page(name: str, request: Request, status: int = 200, **context: Any) -> HTMLResponse:
        as_of = context.get("as_of")
        context.update(request=request, keep={"as_of": request.query_params.get("as_of") if as_of else None})
        return HTMLResponse(templates.get_template(name).render(status=status, **context), status_code=status)

    def render_row(row: dict[str, Any]) -> str:
        return templates.get_template("_row.html").render(row=row, keep={})

    hub = Hub(database_url, pool, render_row, batch_s=batch_s)

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[dict[str, Any]]:
        await pool.open(wait=True, timeout=30)
        hub.start()
        try:
            yield {}
        finally:
            await hub.stop()
            await pool.close()

    async def incidents_page(request: Request) -> Response:
        as_of = _as_of(request)
        filters = Filters.from_query(request.query_params)
        cursor = request.query_params.get("cursor")
        async with pool.connection() as conn:
            rows, next_cursor = await queries.list_incidents(conn, filters, as_of=as_of, cursor=cursor)
        live = None
        if as_of is None and not cursor:
            after = (datetime.now(UTC) - LIVE_SLACK).isoformat()
            live = _with_query("/events", {**filters.as_query(), "after": after})
        return page("incidents.html", request, rows=rows, filters=filters, as_of=as_of, live=live,
                    next_url=_with_query("/", {**filters.as_query(), "as_of": request.query_params.get("as_of"),
                                               "cursor": next_cursor}) if next_cursor else None,
                    older_page=bool(cursor))

    async def incident_page(request: Request) -> Response:
        as_of = _as_of(request)
        wanted = request.path_params["incident_id"]
        async with pool.connection() as conn:
            found = await queries.live_id(conn, wanted, as_of)
            if found is None:
                raise NotKnown(f"no incident #{wanted}" + (f" known at {as_of.isoformat()}" if as_of else ""))
            if found != wanted:
                return RedirectResponse(_with_query(f"/incidents/{found}", dict(request.query_params)), 301)
            detail = await queries.load_incident(conn, found, as_of)
        end = as_of or datetime.now(UTC)
        return page("incident.html", request, as_of=as_of, chart=chart.build(detail["versions"], end), **detail)

    async def feeds_page(request: Request) -> Response:
        async with pool.connection() as conn:
            rows = await queries.feeds(conn)
        return page("feeds.html", request, rows=rows, as_of=_as_of(request), now=datetime.now(UTC))

    async def api_incidents(request: Request) -> Response:
        as_of = _as_of(request)
        filters = Filters.from_query(request.query_params)
        async with pool.connection() as conn:
            rows, next_cursor = await queries.list_incidents(
                conn, filters, as_of=as_of, cursor=request.query_params.get("cursor"), limit=_limit(request))
        return ViewJSON({"incidents": rows, "next_cursor": next_cursor,
                         "next": _with_query("/api/incidents", {**dict(request.query_params), "cursor": next_cursor})
                         if next_cursor else None,
                         "as_of": as_of})

    async def api_incident(request: Request) -> Response:
        as_of = _as_of(request)
        wanted = request.path_params["incident_id"]
        async with pool.connection() as conn:
            found = await queries.live_id(conn, wanted, as_of)
            if found is None:
                raise NotKnown(f"no incident #{wanted}" + (f" known at {as_of.isoformat()}" if as_of else ""))
            if found != wanted:
                return RedirectResponse(_with_query(f"/api/incidents/{found}", dict(request.query_params)), 301)
            detail = await queries.load_incident(conn, found, as_of)
        versions = [{**v, "changed": v["changed_fields"]} for v in detail["versions"]]
        return ViewJSON({**detail["incident"], "versions": versions, "sources": detail["sources"]})

    async def api_feeds(request: Request) -> Response:
        async with pool.connection() as conn:
            return ViewJSON({"feeds": await queries.feeds(conn)})

    async def openapi(request: Request) -> Response:
        async with pool.connection() as conn:
            columns = await queries.view_columns(conn, ("incidents_current", "incident_versions",
                                                        "incident_articles", "feed_health"))
        return ViewJSON(describe(columns))

    async def events(request: Request) -> Response:
        filters = Filters.from_query(request.query_params)
        after_text = request.headers.get("last-event-id") or request.query_params.get("after")
        after = queries.parse_moment(after_text, "after") if after_text else None
        sub = hub.subscribe(filters)  # before the replay below, so nothing falls between the two

        async def stream() -> AsyncIterator[bytes]:
            try:
                if after is not None:
                    async with pool.connection() as conn:
                        replay = await queries.changed_since(conn, filters, after)
                    for row in replay:
                        yield upsert_event(row, render_row(row))
                while True:
                    event = await sub.queue.get()
                    if event is None:
                        return
                    yield event
            finally:
                hub.unsubscribe(sub)

        return EventSourceResponse(stream(), ping=SSE_PING_S, send_timeout=30,
                                   headers={"Cache-Control": "no-store"})

    def error_handler(status: int) -> Any:
        async def handle(request: Request, exc: Exception) -> Response:
            if request.url.path.startswith("/api/") or request.url.path == "/events":
                return ViewJSON({"error": str(exc)}, status_code=status)
            return page("error.html", request, status=status, message=str(exc), as_of=None)
        return handle

    static = StaticFiles(directory=str(resources.files("ops.web").joinpath("static")))
    app = Starlette(
        routes=[
            Route("/", incidents_page),
            Route("/incidents/{incident_id:int}", incident_page),
            Route("/feeds", feeds_page),
            Route("/api/incidents", api_incidents),
            Route("/api/incidents/{incident_id:int}", api_incident),
            Route("/api/feeds", api_feeds),
            Route("/api/openapi.json", openapi),
            Route("/events", events),
            Mount("/static", static, name="static"),
        ],
        exception_handlers={BadRequest: error_handler(400), NotKnown: error_handler(404)},
        lifespan=lifespan,
    )
    app.state.hub = hub
    return Guard(app, token)
