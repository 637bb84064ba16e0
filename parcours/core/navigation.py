"""Where to send the user next: only ever to a page of this site."""

from urllib.parse import urlsplit

from flask import request, url_for


def is_safe_target(target: str | None) -> bool:
    """A relative path on this site: no scheme, no host, no protocol-relative `//`."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return False
    if "\\" in target or any(ord(c) < 32 for c in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def next_target(default_endpoint: str = "plans.home") -> str:
    """The `next` parameter when it is safe, else the default page."""
    target = request.values.get("next")
    return target if is_safe_target(target) else url_for(default_endpoint)
