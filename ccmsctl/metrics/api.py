"""Prometheus's HTTP API, read: what ccmsctl asks a running Prometheus (a burst pool's
trigger, the lab's alerts). Plain HTTP with bounded waits; a failure is an ApiError naming
what was asked."""

from __future__ import annotations

import json
import math
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from ccmsctl.errors import UserError


class ApiError(UserError):
    """Prometheus could not be asked, or refused the question."""

    code = "E1503"


def get(url: str, path: str, params: dict[str, str] | None = None) -> Any:
    """The `data` of GET `path` on the Prometheus at `url` (http://HOST:PORT)."""
    if not url.startswith(("http://", "https://")):
        raise ApiError(f"not an http(s) URL: {url}")
    query = f"?{urllib.parse.urlencode(params)}" if params else ""
    try:
        with urllib.request.urlopen(f"{url.rstrip('/')}{path}{query}", timeout=10) as reply:  # noqa: S310 (http(s) only, checked above)
            body = json.loads(reply.read())
    except (urllib.error.URLError, OSError, ValueError) as error:
        raise ApiError(f"{url}{path}: {error}") from None
    if body.get("status") != "success":
        raise ApiError(f"{url}{path}: {body.get('error', body)}")
    return body["data"]


def instant(url: str, promql: str) -> float | None:
    """The value of `promql` now, a single number (None: no series, or not a number)."""
    data = get(url, "/api/v1/query", {"query": promql})
    result = data.get("result")
    if data.get("resultType") == "scalar":
        value = float(result[1])
    elif result:
        if len(result) > 1:
            raise ApiError(f"{promql}: {len(result)} series, expected one")
        value = float(result[0]["value"][1])
    else:
        return None
    return None if math.isnan(value) else value
