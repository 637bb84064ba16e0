"""Pages of the timeline package."""

from flask import Blueprint

bp = Blueprint("timeline", __name__)
