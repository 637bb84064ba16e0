"""Query-string navigation: `next` targets on this site only, page numbers, ids."""

from urllib.parse import urlsplit

from flask import current_app, request, url_for

from parcours.core.fields import INT_MAX


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
