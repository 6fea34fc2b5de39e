"""Find the links of a rendered mail and tell which route of the app each one opens.

Shared by the unit test over every template and the report mail's integration test: a
link must open one of the web pages (a route of `api.pages`), never a JSON API route.
"""

from __future__ import annotations

import re
from functools import lru_cache
from html import unescape
from urllib.parse import urlsplit

from fastapi import FastAPI
from fastapi.routing import iter_route_contexts

_HREF = re.compile(r"""href=["']([^"']+)["']""")
_BARE = re.compile(r"""https?://[^\s<>"']+""")


def links_in(html: str, text: str) -> set[str]:
    """Every http(s) link of the HTML part (its hrefs) and of the text part."""
    found = {unescape(h) for h in _HREF.findall(html)}
    found |= set(_BARE.findall(text))
    return {u.rstrip(".,;)") for u in found if u.startswith(("http://", "https://"))}


@lru_cache(maxsize=1)
def _app() -> FastAPI:
    from api.app import create_app

    return create_app(run_scheduler=False)


def route_module(url: str) -> str | None:
    """The module of the endpoint a browser's GET of `url` reaches (None: no route)."""
    path = urlsplit(url).path
    for route in iter_route_contexts(_app().routes):
        regex = getattr(route, "path_regex", None)
        if "GET" in (route.methods or ()) and regex is not None and regex.match(path):
            return str(route.endpoint.__module__)
    return None


def is_page(url: str) -> bool:
    """True when `url` opens a server-rendered page (api.pages), not the JSON API."""
    module = route_module(url)
    return module is not None and module.startswith("api.pages.")
