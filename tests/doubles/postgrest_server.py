"""A PostgREST double: the read side of Supabase's REST API that supabase-py speaks.

GET /rest/v1/<table> with `select` (columns or *), `order=<col>.asc|desc[.nullsfirst|.nullslast]`
(comma-separated), `limit`/`offset` query parameters or a `Range: 0-99` header, `<col>=eq.<v>`
filters, and `Prefer: count=exact` (answered in `Content-Range: 0-99/250`, as PostgREST does).
Auth as Supabase's gateway: the `apikey` header (and the Bearer token) must be the service key.
Errors use PostgREST's body `{"code", "details", "hint", "message"}`; an unknown table is 404
PGRST205. Every request is recorded in `requests`.
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable
from urllib.parse import parse_qsl

import orjson
from tests.doubles.serve import send_json

__all__ = ["PostgRESTDouble"]

Send = Callable[[dict[str, Any]], Awaitable[None]]


class PostgRESTDouble:
    def __init__(self, key: str, tables: dict[str, list[dict[str, Any]]] | None = None) -> None:
        self.key = key
        self.tables: dict[str, list[dict[str, Any]]] = tables or {}
        self.requests: list[dict[str, Any]] = []

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Send) -> None:
        if scope["type"] != "http":
            return
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        params = parse_qsl(scope["query_string"].decode(), keep_blank_values=True)
        self.requests.append({"method": scope["method"], "path": scope["path"], "params": params, "headers": headers})
        if headers.get("apikey") != self.key or headers.get("authorization") not in (None, f"Bearer {self.key}"):
            await self._send(send, 401, {"message": "Invalid API key", "hint": "Double check your Supabase `anon` or `service_role` API key."})
            return
        prefix = "/rest/v1/"
        if scope["method"] != "GET" or not scope["path"].startswith(prefix):
            await self._send(send, 405, self._error("PGRST000", f"{scope['method']} {scope['path']} is not served by this double"))
            return
        table = scope["path"][len(prefix):]
        if table not in self.tables:
            await self._send(send, 404, self._error("PGRST205", f"Could not find the table 'public.{table}' in the schema cache"))
            return
        try:
            rows, start, total = self._query(self.tables[table], params, headers.get("range"))
        except ValueError as exc:
            await self._send(send, 400, self._error("PGRST100", str(exc)))
            return
        extra = {}
        if "count=exact" in headers.get("prefer", ""):
            end = start + len(rows) - 1
            extra["content-range"] = f"{start}-{end}/{total}" if rows else f"*/{total}"
        else:
            extra["content-range"] = f"{start}-{start + len(rows) - 1}/*" if rows else "*/*"
        await self._send(send, 200, rows, extra)

    @staticmethod
    def _error(code: str, message: str) -> dict[str, Any]:
        return {"code": code, "details": None, "hint": None, "message": message}

    def _query(self, rows: list[dict[str, Any]], params: list[tuple[str, str]], range_header: str | None) -> tuple[list[dict[str, Any]], int, int]:
        selected = list(rows)
        columns: list[str] | None = None
        limit: int | None = None
        offset = 0
        for name, value in params:
            if name == "select":
                columns = None if value.strip() in ("", "*") else [c.strip() for c in value.split(",")]
            elif name == "order":
                for term in reversed(value.split(",")):
                    column, *mods = term.split(".")
                    desc = "desc" in mods
                    selected.sort(key=lambda r: (r.get(column) is None, r.get(column) if r.get(column) is not None else ""), reverse=desc)
            elif name == "limit":
                limit = int(value)
            elif name == "offset":
                offset = int(value)
            elif value.startswith("eq."):
                selected = [r for r in selected if str(r.get(name)) == value[3:]]
            else:
                raise ValueError(f"unsupported query parameter {name}={value}")
        if range_header:
            first, _, last = range_header.partition("-")
            offset = int(first)
            if last:
                limit = int(last) - offset + 1
        total = len(selected)
        page = selected[offset: offset + limit if limit is not None else None]
        if columns is not None:
            page = [{c: r.get(c) for c in columns} for r in page]
        return page, offset, total

    @staticmethod
    async def _send(send: Send, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        await send_json(send, status, body, headers)
