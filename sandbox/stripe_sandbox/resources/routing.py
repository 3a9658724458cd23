"""A /v1 route and the matching of a request path against the routes.

Its own module so that each resource module can declare its ROUTES without importing the package
`__init__`, which imports every resource module (that made every resource part of one import cycle).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Handler = Callable[..., dict[str, Any]]


@dataclass(frozen=True)
class Route:
    """`pattern` is a path with `{name}` placeholders, matched against the whole request path."""

    method: str
    pattern: str
    handler: Handler

    @property
    def regex(self) -> re.Pattern[str]:
        return re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", self.pattern) + "$")


def match(
    method: str, path: str, routes: list[tuple[Route, re.Pattern[str]]]
) -> tuple[Route, dict[str, str]] | None:
    for route, regex in routes:
        if route.method != method:
            continue
        found = regex.match(path)
        if found:
            return route, found.groupdict()
    return None
