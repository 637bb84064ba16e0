"""Small helpers shared by the views of every domain."""

from flask import flash


def flash_success(message: str) -> None:
    flash(message, "success")


def flash_error(message: str) -> None:
    flash(message, "error")
