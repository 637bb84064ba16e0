"""The API reference page, rendered from the generated OpenAPI document."""

from flask import Blueprint

bp = Blueprint("developers", __name__)
