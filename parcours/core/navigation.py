"""Links and query-string navigation: the app's links built once, `next` targets on this site
only, page numbers, ids."""

from functools import lru_cache
from urllib.parse import urlsplit

from flask import Flask, current_app, has_request_context, request, url_for

from parcours.core.fields import INT_MAX

# The values of the links kept (see App).
KEPT_TYPES = frozenset({int, str})


class App(Flask):
    """Flask, with the links of its pages built once.

    A page writes dozens of links (the timeline 36, each row of a table two), and Werkzeug
    builds each from its rule again (6 µs). A link inside the site depends only on its endpoint,
    its values and where the site is mounted: those built during requests are kept (the last
    8,192). Links with an anchor, a method, a scheme or a host, relative endpoints, values other
    than ids and words (None, a boolean, a list) and links built outside a request are built as
    Flask builds them, and so is every link once URL defaults are registered (the app has
    none)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._kept_url = lru_cache(maxsize=8192)(self._build_url)

    def url_for(
        self,
        /,
        endpoint: str,
        *,
        _anchor: str | None = None,
        _method: str | None = None,
        _scheme: str | None = None,
        _external: bool | None = None,
        **values,
    ) -> str:
        if (
            _anchor is None
            and _method is None
            and _scheme is None
            and not _external
            and endpoint[:1] != "."
            and not self.url_default_functions
            and has_request_context()
            # Ids and words only: True and 1 would share a key, an object's words may change.
            and all(type(value) in KEPT_TYPES for value in values.values())
        ):
            return self._kept_url(request.script_root, endpoint, tuple(values.items()))
        return super().url_for(
            endpoint,
            _anchor=_anchor,
            _method=_method,
            _scheme=_scheme,
            _external=_external,
            **values,
        )

    def _build_url(self, _mounted_at: str, endpoint: str, values: tuple) -> str:
        return super().url_for(endpoint, **dict(values))


def is_safe_target(target: str | None) -> bool:
    """A relative path on this site: no scheme, no host, no protocol-relative `//`."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return False
    if "\\" in target or any(ord(c) < 32 for c in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def next_target(default_endpoint: str = "overview.home") -> str:
    """The `next` parameter when it is safe, else the default page."""
    target = request.values.get("next")
    return target if is_safe_target(target) else url_for(default_endpoint)


MAX_PAGE = 100_000


def page_number() -> int:
    """The `page` parameter of a paginated list: 1 when absent or odd, never past MAX_PAGE
    (an offset the database could not hold)."""
    page = request.args.get("page", 1, type=int)
    return min(max(page, 1), MAX_PAGE)


def id_parameter(name: str) -> int | None:
    """An id given as a query parameter, or None when absent or out of the columns' range."""
    value = request.args.get(name, type=int)
    return value if value is not None and 1 <= value <= INT_MAX else None


def external_url(endpoint: str, **values) -> str:
    """A full link to give out (an invitation): on PARCOURS_BASE_URL when set, never on the
    Host header a request happened to carry."""
    base = current_app.config.get("BASE_URL")
    if not base:
        return url_for(endpoint, _external=True, **values)
    return base.rstrip("/") + url_for(endpoint, **values)


def site_url() -> str:
    """The site's own address (PARCOURS_BASE_URL, else the request's), without a final /."""
    base = current_app.config.get("BASE_URL")
    return (base or request.url_root).rstrip("/")
