"""A protocol-faithful Pinecone data-plane double: a raw ASGI app on a real socket.

It speaks the REST the official SDK sends to an index host (`Api-Key` header, camelCase JSON):
POST /vectors/upsert, /query, /vectors/delete, /vectors/fetch (GET) and /describe_index_stats;
and, as the control plane (the SDK's PINECONE_CONTROLLER_HOST), GET /indexes/{name}, which
describes one serverless index `index_name` served by this same double at `host`.
Vectors live in memory per namespace; queries rank by cosine similarity like a cosine index.
Tests can make it fail (`fail_with = 500`) or hang until released (`hang()` / `release()`),
and read what it received in `requests`.
"""

from __future__ import annotations

import asyncio
import math
import threading
from typing import Any, Awaitable, Callable
from urllib.parse import parse_qs

import orjson
from tests.doubles.serve import read_body

__all__ = ["PineconeDouble", "API_KEY"]

API_KEY = "test-pinecone-key"
Send = Callable[[dict[str, Any]], Awaitable[None]]


def _cosine(a: list[float], b: list[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b))
    na = math.sqrt(sum(x * x for x in a)) or 1.0
    nb = math.sqrt(sum(y * y for y in b)) or 1.0
    return dot / (na * nb)


class PineconeDouble:
    def __init__(self) -> None:
        self.namespaces: dict[str, dict[str, dict[str, Any]]] = {}
        self.requests: list[dict[str, Any]] = []
        self.fail_with: int | None = None
        self._released = threading.Event()
        self._released.set()
        self.dimension: int | None = None
        self.index_name = "support-kb"
        self.host = ""  # set by the fixture once the server has a port

    # --- scripting ------------------------------------------------------------------------
    def reset(self) -> None:
        self.namespaces.clear()
        self.requests.clear()
        self.fail_with = None
        self.dimension = None
        self._released.set()

    def hang(self) -> None:
        """Queries wait until `release()` (a store that has stopped answering)."""
        self._released.clear()

    def release(self) -> None:
        self._released.set()

    def vectors(self, namespace: str = "") -> dict[str, dict[str, Any]]:
        return self.namespaces.get(namespace, {})

    def paths(self) -> list[str]:
        return [r["path"] for r in self.requests]

    # --- ASGI -----------------------------------------------------------------------------
    async def __call__(self, scope: dict[str, Any], receive: Any, send: Send) -> None:
        if scope["type"] != "http":
            return
        body = await read_body(receive)
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        path, method = scope["path"], scope["method"]
        try:
            payload = orjson.loads(body) if body else {}
        except orjson.JSONDecodeError:
            await self._json(send, 400, {"code": 3, "message": "Invalid JSON body", "details": []})
            return
        self.requests.append({"method": method, "path": path, "json": payload, "headers": headers})
        if headers.get("api-key") != API_KEY:
            await self._json(send, 401, {"code": 16, "message": "Invalid API Key", "details": []})
            return
        if self.fail_with:
            await self._json(send, self.fail_with, {"code": 13, "message": "Internal error", "details": []})
            return
        if method == "POST" and path == "/vectors/upsert":
            await self._upsert(payload, send)
        elif method == "POST" and path == "/query":
            while not self._released.is_set():
                await asyncio.sleep(0.01)
            await self._query(payload, send)
        elif method == "POST" and path == "/vectors/delete":
            await self._delete(payload, send)
        elif method == "GET" and path == "/vectors/fetch":
            query = parse_qs(scope.get("query_string", b"").decode())
            namespace = (query.get("namespace") or [""])[0]
            found = {i: self.vectors(namespace)[i] for i in query.get("ids", []) if i in self.vectors(namespace)}
            await self._json(send, 200, {"vectors": found, "namespace": namespace, "usage": {"readUnits": 1}})
        elif method == "GET" and path.startswith("/indexes/"):
            await self._describe_index(path.removeprefix("/indexes/"), send)
        elif path == "/describe_index_stats":
            stats = {ns: {"vectorCount": len(v)} for ns, v in self.namespaces.items()}
            total = sum(len(v) for v in self.namespaces.values())
            await self._json(send, 200, {"namespaces": stats, "dimension": self.dimension or 0, "indexFullness": 0.0, "totalVectorCount": total})
        else:
            await self._json(send, 404, {"code": 5, "message": f"Not found: {method} {path}", "details": []})

    @staticmethod
    async def _json(send: Send, status: int, body: Any) -> None:
        raw = orjson.dumps(body)
        await send({"type": "http.response.start", "status": status, "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(raw)).encode())]})
        await send({"type": "http.response.body", "body": raw})

    async def _bad(self, send: Send, message: str) -> None:
        await self._json(send, 400, {"code": 3, "message": message, "details": []})

    async def _describe_index(self, name: str, send: Send) -> None:
        if name != self.index_name:
            await self._json(send, 404, {"error": {"code": "NOT_FOUND", "message": f"Resource {name} not found"}, "status": 404})
            return
        await self._json(
            send,
            200,
            {
                "name": name,
                "host": self.host,
                "status": {"ready": True, "state": "Ready"},
                "schema": {"fields": {"values": {"type": "dense_vector", "dimension": self.dimension or 64, "metric": "cosine"}}},
                "deployment": {"deployment_type": "managed", "cloud": "aws", "region": "us-east-1"},
                "deletion_protection": "disabled",
                "tags": None,
            },
        )

    async def _upsert(self, payload: dict[str, Any], send: Send) -> None:
        vectors = payload.get("vectors")
        if not isinstance(vectors, list) or not vectors or len(vectors) > 1000:
            await self._bad(send, "vectors must be a list of 1 to 1000 items")
            return
        namespace = self.namespaces.setdefault(payload.get("namespace", ""), {})
        for vector in vectors:
            values = vector.get("values")
            if not isinstance(vector.get("id"), str) or not isinstance(values, list) or not values:
                await self._bad(send, "each vector needs an id and values")
                return
            self.dimension = self.dimension or len(values)
            if len(values) != self.dimension:
                await self._bad(send, f"Vector dimension {len(values)} does not match the dimension of the index {self.dimension}")
                return
            metadata = vector.get("metadata") or {}
            if not all(isinstance(v, (str, int, float, bool, list)) for v in metadata.values()):
                await self._bad(send, "Metadata values must be strings, numbers, booleans or lists of strings")
                return
            namespace[vector["id"]] = {"id": vector["id"], "values": values, "metadata": metadata}
        await self._json(send, 200, {"upsertedCount": len(vectors)})

    async def _query(self, payload: dict[str, Any], send: Send) -> None:
        top_k, vector = payload.get("topK"), payload.get("vector")
        if not isinstance(top_k, int) or top_k < 1 or not isinstance(vector, list):
            await self._bad(send, "topK and vector are required")
            return
        namespace = payload.get("namespace", "")
        ranked = sorted(
            ({"id": v["id"], "score": _cosine(vector, v["values"]), "values": [], **({"metadata": v["metadata"]} if payload.get("includeMetadata") else {})} for v in self.vectors(namespace).values()),
            key=lambda m: -m["score"],
        )[:top_k]
        await self._json(send, 200, {"results": [], "matches": ranked, "namespace": namespace, "usage": {"readUnits": 5}})

    async def _delete(self, payload: dict[str, Any], send: Send) -> None:
        namespace = self.namespaces.get(payload.get("namespace", ""), {})
        if payload.get("deleteAll"):
            namespace.clear()
        for vector_id in payload.get("ids") or []:
            namespace.pop(vector_id, None)
        await self._json(send, 200, {})
