"""A bare Flask app answering "hello": the baseline benchmarks/pages.py measures the pages
against (what gunicorn, Flask and the loopback cost, with no database, template or session)."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    return "hello"
