"""Translate the openai SDK's exceptions into ours, at the adapter boundary, mid-stream too.

    openai.APITimeoutError     -> UpstreamTimeout     504
    openai.APIConnectionError  -> ServiceUnavailable  503 (unreachable)
    openai.RateLimitError      -> RateLimited         429 (Retry-After kept)
    openai.APIStatusError      -> InvalidRequest 400 for 400/404/422 (the request was refused),
                                  UpstreamError 502 otherwise
    openai.APIError (in-stream error event), malformed stream data -> UpstreamError 502
    httpx2 timeouts / transport errors while reading a raw stream -> 504 / 503
"""

from __future__ import annotations

import json
import logging
from contextlib import contextmanager
from typing import Iterator

import aiohttp
import httpx2
import openai

from convoai.errors import InvalidRequest, RateLimited, ServiceUnavailable, UpstreamError, UpstreamTimeout

__all__ = ["map_upstream_errors"]

log = logging.getLogger(__name__)


def _upstream_message(exc: openai.APIError) -> str:
    body = exc.body
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and isinstance(inner.get("message"), str):
            return inner["message"]
    return exc.message


def _is_timeout(exc: BaseException) -> bool:
    """Whether a "timeout" really was one.

    The SDK's aiohttp transport maps every aiohttp connection error, a refused connection or a
    server hanging up included, to httpx2's ConnectTimeout; the cause chain tells them apart.
    """
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, (TimeoutError, aiohttp.ServerTimeoutError)):
            return True
        if isinstance(seen, (aiohttp.ClientConnectionError, ConnectionError)):
            return False
        seen = seen.__cause__ or seen.__context__
    return True


def _unreachable(exc: BaseException) -> ServiceUnavailable:
    log.warning("upstream connection failed: %s", exc.__cause__ or exc)
    return ServiceUnavailable(
        "The model server could not be reached or closed the connection.", code="upstream_unreachable"
    )


def _timeout_or_unreachable(exc: BaseException, message: str) -> ServiceUnavailable | UpstreamTimeout:
    if not _is_timeout(exc):
        return _unreachable(exc)
    log.warning("upstream timeout: %s", exc)
    return UpstreamTimeout(message)


@contextmanager
def map_upstream_errors() -> Iterator[None]:
    try:
        yield
    except openai.APITimeoutError as exc:
        raise _timeout_or_unreachable(exc, "The model server did not answer in time.") from exc
    except openai.APIConnectionError as exc:
        raise _unreachable(exc) from exc
    except openai.RateLimitError as exc:
        retry_after = exc.response.headers.get("retry-after")
        raise RateLimited(
            f"The model server is rate limiting: {_upstream_message(exc)}",
            headers={"Retry-After": retry_after} if retry_after else None,
        ) from exc
    except openai.APIStatusError as exc:
        if exc.status_code in (400, 404, 422):
            # The upstream refused what was asked (an unknown model, a parameter out of its range):
            # the caller's to fix, and retrying the same request cannot help, so not a 502.
            log.info("upstream refused the request (%s): %s", exc.status_code, _upstream_message(exc))
            raise InvalidRequest(
                f"The model server refused the request: {_upstream_message(exc)}", code=f"upstream_{exc.status_code}"
            ) from exc
        log.warning("upstream answered %s: %s", exc.status_code, _upstream_message(exc))
        raise UpstreamError(
            f"The model server answered {exc.status_code}: {_upstream_message(exc)}",
            code=f"upstream_{exc.status_code}",
        ) from exc
    except openai.APIError as exc:
        log.warning("upstream error in stream: %s", exc)
        raise UpstreamError(f"The model server reported an error: {_upstream_message(exc)}") from exc
    except httpx2.TimeoutException as exc:  # raw stream reads (upstream/sse.py) bypass the SDK's mapping
        raise _timeout_or_unreachable(exc, "The model server stopped sending in time.") from exc
    except httpx2.TransportError as exc:
        raise _unreachable(exc) from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        log.warning("malformed data from upstream: %s", exc)
        raise UpstreamError("The model server sent malformed data.", code="upstream_malformed") from exc
