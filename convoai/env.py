"""Typed readers for settings from the environment (django-environ underneath).

Each reader takes the variable's name once, parses it, checks it and raises `ImproperlyConfigured`
naming the variable when the value is malformed or out of range, so a bad deployment stops at
start-up with a message that says what to fix.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any, TypeVar

import environ
from django.core.exceptions import ImproperlyConfigured

__all__ = [
    "env_str",
    "env_flag",
    "env_int",
    "env_float",
    "env_choice",
    "env_list",
    "env_database",
    "env_cache",
    "read_dotenv",
]

_env = environ.Env()
N = TypeVar("N", int, float)

_TRUE = frozenset({"1", "true", "yes", "on", "y", "t"})
_FALSE = frozenset({"0", "false", "no", "off", "n", "f", ""})


def read_dotenv(path: Path) -> None:
    """Load `path` into the environment if it exists; variables already set win."""
    environ.Env.read_env(path, overwrite=False)


def env_str(name: str, default: str = "", *, multiline: bool = False) -> str:
    return _env.str(name, default=default, multiline=multiline)


def env_flag(name: str, default: bool) -> bool:
    """A boolean that refuses typos: "ture" is an error, not a silent False."""
    raw = _env.str(name, default="true" if default else "false").strip().lower()
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise ImproperlyConfigured(f"Invalid value for {name}: {raw!r} (use true or false)")


def _number(name: str, parse: Callable[[str], N], default: N, min: N | None, above: N | None) -> N:
    raw = _env.str(name, default="").strip()
    try:
        value = parse(raw) if raw else default
    except ValueError:
        raise ImproperlyConfigured(f"Invalid value for {name}: {raw!r} (expected a number)") from None
    if min is not None and value < min:
        raise ImproperlyConfigured(f"{name} must be {min} or more (got {value!r})")
    if above is not None and value <= above:
        raise ImproperlyConfigured(f"{name} must be greater than {above} (got {value!r})")
    return value


def env_int(name: str, default: int, *, min: int | None = None, above: int | None = None) -> int:
    """An integer; `min` is the smallest allowed value, `above` a bound it must exceed."""
    return _number(name, int, default, min, above)


def env_float(name: str, default: float, *, min: float | None = None, above: float | None = None) -> float:
    return _number(name, float, float(default), min, above)


def env_choice(name: str, default: str, choices: Collection[str], *, upper: bool = False) -> str:
    """One of `choices`, compared case-insensitively (returned lower case, or upper with `upper`)."""
    raw = _env.str(name, default=default).strip()
    value = raw.upper() if upper else raw.lower()
    if value not in choices:
        raise ImproperlyConfigured(f"Invalid value for {name}: {raw!r} (use {', '.join(choices)})")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    """Comma-separated values, blanks dropped."""
    raw = _env.str(name, default="")
    if not raw.strip():
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_database(name: str) -> dict[str, Any] | None:
    """A `DATABASES` entry from a database URL, or None when the variable is unset."""
    url = _env.str(name, default="").strip()
    if not url:
        return None
    scheme = url.partition("://")[0]
    if scheme not in environ.Env.DB_SCHEMES:
        raise ImproperlyConfigured(f"Invalid value for {name}: unknown scheme {scheme!r} (e.g. postgres://user:password@host:5432/name)")
    return _url_config(name, environ.Env.db_url_config, url)


def env_cache(name: str, default: str) -> dict[str, Any]:
    """A `CACHES` entry from a cache URL (redis://, dbcache://, locmemcache://...)."""
    return _url_config(name, environ.Env.cache_url_config, _env.str(name, default=default).strip())


def _url_config(name: str, parse: Callable[[str], dict[str, Any]], url: str) -> dict[str, Any]:
    try:
        return parse(url)
    except Exception as exc:  # django-environ raises several types for a bad URL
        raise ImproperlyConfigured(f"Invalid value for {name}: {exc}") from exc
