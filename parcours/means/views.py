"""Pages of the means package."""

from flask import Blueprint

bp = Blueprint("means", __name__)
