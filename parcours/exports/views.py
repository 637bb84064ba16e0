"""Pages that answer files: the printable plan and the CSV exports."""

from flask import Blueprint

bp = Blueprint("exports", __name__)
