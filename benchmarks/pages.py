"""Benchmark of the main pages, served by gunicorn and loaded with wrk, against a bare Flask app.

Builds the demo database with the app's own `flask demo` (SQLite in a temporary directory, or
PostgreSQL with --postgresql URL, whose public schema is dropped first), serves the app and
benchmarks/hello.py through gunicorn with the same settings, signs in as the demo's Claire and
Thomas like a browser (the login form and its CSRF token), finds the pages of Léo's plan from
the pages themselves, then runs wrk on hello, on each page in rounds each followed by hello,
and on hello at the end. Prints one table: requests per second, p50 and p99 latency, the ratio
of the requests per second to those of the hello runs between the page's rounds (the figure to
compare between runs: the machine is shared, its speed drifts and absolute figures are noisy),
the answers that were not 2xx/3xx, and, measured in-process with the test client, the SQL
statements and the median time of one request. Prints figures; asserts nothing about speed (it
exits with status 1 when a page answered errors, which make its figures meaningless).

    .venv/bin/python benchmarks/pages.py
    .venv/bin/python benchmarks/pages.py --pages home,timeline,caseload --duration 5
    .venv/bin/python benchmarks/pages.py --postgresql postgresql+psycopg://postgres@127.0.0.1/bench

Needs wrk (`apt-get install -y wrk`). Only HTTP, the CLI and the demo's logins are used, plus
`parcours.create_app` and `parcours.extensions.db` for the in-process columns.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urljoin, urlsplit

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SECRET_KEY = "benchmark-pages-not-a-secret-" + "x" * 32
DEMO_PASSWORD = "parcours-demo-2026"

# name: (who, path template; {plan} is the id of Léo's plan, {landing} where Thomas lands).
PAGES = {
    "home": ("claire", "/"),
    "overview": ("claire", "/parcours/{plan}"),
    "voices": ("claire", "/parcours/{plan}/voices"),
    "objective": ("claire", "/parcours/{plan}/objective"),
    "means": ("claire", "/parcours/{plan}/means"),
    "timeline": ("claire", "/parcours/{plan}/timeline"),
    "commitments": ("claire", "/parcours/{plan}/commitments"),
    "caseload": ("claire", "/caseload"),
    "inbox": ("claire", "/inbox"),
    "easy": ("thomas", "{landing}"),
    # The observer of territory 37: the figures of its plans (never a plan).
    "observatory": ("nadia", "/observatory?territory=37"),
}


class BenchmarkError(Exception):
    """Something that makes the measure impossible or meaningless: printed, exit status 2."""


# --- A tiny browser: cookies, forms, redirects -------------------------------------------


@dataclass
class Page:
    status: int
    path: str  # where the answer came from, after the redirects
    text: str
    content_type: str
    redirects: list[str] = field(default_factory=list)


class Browser:
    """Speaks HTTP to one local server like a browser would: keeps cookies, follows redirects."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

    def cookie_header(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())

    def _once(self, method: str, path: str, form: dict | None) -> tuple[int, dict, bytes]:
        headers = {}
        if self.cookies:
            headers["Cookie"] = self.cookie_header()
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
        finally:
            connection.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            jar = SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                if morsel.value == "" or morsel["max-age"] == "0":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return response.status, response.headers, data

    def fetch(self, method: str, path: str, form: dict | None = None) -> Page:
        redirects = []
        for _ in range(10):
            status, headers, data = self._once(method, path, form)
            if status in (301, 302, 303, 307, 308) and headers.get("Location"):
                redirects.append(path)
                target = urlsplit(
                    urljoin(f"http://127.0.0.1:{self.port}{path}", headers["Location"])
                )
                path = target.path + (f"?{target.query}" if target.query else "")
                if status in (301, 302, 303):
                    method, form = "GET", None
                continue
            content_type = headers.get("Content-Type", "")
            return Page(status, path, data.decode("utf-8", "replace"), content_type, redirects)
        raise BenchmarkError(f"too many redirects from {redirects[0]}")

    def get(self, path: str) -> Page:
        return self.fetch("GET", path)

    def post(self, path: str, form: dict) -> Page:
        return self.fetch("POST", path, form)


class TestClientBrowser:
    """The same interface over Flask's test client (cookies kept by the client)."""

    def __init__(self, client):
        self.client = client

    def _page(self, response) -> Page:
        redirects = [r.request.path for r in response.history]
        path = response.request.path
        if response.request.query_string:
            path += "?" + response.request.query_string.decode()
        return Page(
            response.status_code, path, response.get_data(as_text=True), response.content_type,
            redirects,
        )  # fmt: skip

    def get(self, path: str) -> Page:
        return self._page(self.client.get(path, follow_redirects=True))

    def post(self, path: str, form: dict) -> Page:
        return self._page(self.client.post(path, data=form, follow_redirects=True))


class FormsAndLinks(HTMLParser):
    """The hidden inputs of each form and every link (href, text) of a page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict[str, str]] = []
        self.links: list[tuple[str, str]] = []
        self._link: list | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({})
        elif tag == "input" and self.forms and attrs.get("name"):
            if (attrs.get("type") or "text").lower() == "hidden":
                self.forms[-1][attrs["name"]] = attrs.get("value") or ""
        elif tag == "a" and attrs.get("href"):
            self._link = [attrs["href"], ""]

    def handle_data(self, data):
        if self._link is not None:
            self._link[1] += data

    def handle_endtag(self, tag):
        if tag == "a" and self._link is not None:
            self.links.append((self._link[0], " ".join(self._link[1].split())))
            self._link = None


def parse(text: str) -> FormsAndLinks:
    parser = FormsAndLinks()
    parser.feed(text)
    parser.close()
    return parser


def is_login_page(page: Page) -> bool:
    return urlsplit(page.path).path.rstrip("/") == "/login" or 'name="password"' in page.text


def sign_in(browser, identifier: str, password: str) -> Page:
    """GET /login, then POST it with its hidden fields (the CSRF token); returns the landing."""
    form_page = browser.get("/login")
    if form_page.status != 200:
        raise BenchmarkError(f"GET /login answered {form_page.status}")
    hidden = next((f for f in parse(form_page.text).forms if "csrf_token" in f), None)
    if hidden is None:
        raise BenchmarkError("the sign-in page has no form with a csrf_token input")
    landing = browser.post("/login", {**hidden, "identifier": identifier, "password": password})
    if landing.status != 200 or is_login_page(landing):
        raise BenchmarkError(
            f"signing in as {identifier} failed: POST /login ended on {landing.path} "
            f"with status {landing.status}"
        )
    return landing


def find_plan(home: Page, person: str) -> int:
    """The id of the plan whose link on the home page names the person."""
    for href, text in parse(home.text).links:
        match = re.fullmatch(r"/parcours/(\d+)", urlsplit(href).path)
        if match and re.search(rf"\b{re.escape(person)}\b", text):
            return int(match[1])
    links = [f"{href} ({text})" for href, text in parse(home.text).links if "/parcours/" in href]
    raise BenchmarkError(f"no link to {person}'s plan on {home.path}; plan links: {links}")


def check_page(browser, name: str, path: str, expect: str | None) -> Page:
    """Fetch the page once: a 200 from the page itself, not a redirect nor the sign-in form."""
    page = browser.get(path)
    problem = None
    if page.redirects:
        problem = f"redirected to {page.path}"
    elif page.status != 200:
        problem = f"answered {page.status}"
    elif is_login_page(page):
        problem = "answered the sign-in page (the session is not accepted)"
    elif "html" not in page.content_type:
        problem = f"answered {page.content_type}, not an HTML page"
    elif expect and expect not in page.text:
        problem = f"does not mention {expect!r}"
    if problem:
        raise BenchmarkError(f"page {name} ({path}) {problem}")
    return page


# --- Processes: the demo build, gunicorn -----------------------------------------------


def empty_postgresql(url: str) -> None:
    """Drop and recreate the public schema. `flask demo --yes` on a PostgreSQL database that
    already holds accounts waits forever: its check (count the users) leaves a transaction
    open, which its own DROP TABLEs, on another connection, wait for."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text("SET LOCAL lock_timeout = '10s'"))
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    finally:
        engine.dispose()


def build_demo(env: dict) -> dict[str, tuple[str, str]]:
    """Run `flask demo --yes`; returns {first name: (login, password)} from what it prints."""
    command = [str(BIN / "flask"), "--app", "wsgi", "demo", "--yes"]
    try:
        result = subprocess.run(
            command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
        )
    except subprocess.TimeoutExpired as error:
        output = [o.decode() if isinstance(o, bytes) else o for o in (error.stdout, error.stderr)]
        raise BenchmarkError(
            "flask demo did not finish in 300 s (a lock held on the database?):\n"
            + "".join(o for o in output if o)
        ) from None
    if result.returncode != 0:
        raise BenchmarkError(f"flask demo failed:\n{result.stdout}{result.stderr}")
    logins = {}
    for line in result.stdout.splitlines():
        cells = re.split(r"\s{2,}", line.strip())
        if len(cells) == 3:
            login, password, who = cells
            logins[who.split(",")[0].split()[0].lower()] = (login, password)
    for who in {who for who, _path in PAGES.values()}:
        if who not in logins:
            raise BenchmarkError(f"flask demo printed no login for {who}:\n{result.stdout}")
    return logins


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    name: str
    process: subprocess.Popen
    port: int
    log: Path


def start_gunicorn(name, app, chdir: Path, workers: int, env: dict, logs: Path) -> Server:
    port = free_port()
    log = logs / f"gunicorn-{name}.log"
    command = [
        str(BIN / "gunicorn"),
        "--workers", str(workers),
        "--bind", f"127.0.0.1:{port}",
        "--chdir", str(chdir),
        "--log-level", "warning",
        app,
    ]  # fmt: skip
    with log.open("w") as out:
        # Its own process group: the master and its workers are stopped together.
        process = subprocess.Popen(
            command, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    return Server(name, process, port, log)


def wait_ready(server: Server, path: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise BenchmarkError(
                f"gunicorn ({server.name}) exited with status {server.process.returncode}:\n"
                + server.log.read_text()[-3000:]
            )
        try:
            if Browser(server.port).get(path).status < 500:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise BenchmarkError(f"gunicorn ({server.name}) did not answer within {timeout:.0f} s")


def stop(server: Server) -> None:
    """SIGTERM to the server's process group (master and workers), SIGKILL after 15 s."""
    with suppress(ProcessLookupError):
        os.killpg(server.process.pid, signal.SIGTERM)
        try:
            server.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.process.pid, signal.SIGKILL)
            server.process.wait()


# --- wrk ----------------------------------------------------------------------------------

UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}
UNITS_BYTES = {"B": 1, "KB": 2**10, "MB": 2**20, "GB": 2**30, "TB": 2**40}


@dataclass
class Load:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    non_2xx_3xx: int
    socket_errors: int
    bytes_per_answer: float
    socket_detail: str


def run_wrk(port: int, path: str, cookie: str, args, duration: float) -> Load:
    command = [
        args.wrk,
        f"-t{args.threads}",
        f"-c{args.connections}",
        f"-d{duration}s",
        "--latency",
    ]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    command.append(f"http://127.0.0.1:{port}{path}")
    result = subprocess.run(command, capture_output=True, text=True, timeout=duration + 120)
    out = result.stdout

    def latency(percent: str) -> float:
        match = re.search(rf"^\s*{percent}%\s+([\d.]+)(us|ms|s|m|h)\s*$", out, re.M)
        if not match:
            raise BenchmarkError(f"no {percent}% latency in wrk's output:\n{out}{result.stderr}")
        return float(match[1]) * UNITS_MS[match[2]]

    rps = re.search(r"^Requests/sec:\s+([\d.]+)", out, re.M)
    total = re.search(r"^\s*(\d+) requests in [^,]+, ([\d.]+)([KMGT]?B) read", out, re.M)
    if result.returncode != 0 or not rps or not total:
        raise BenchmarkError(f"wrk failed ({' '.join(command)}):\n{out}{result.stderr}")
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    sockets = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out
    )
    return Load(
        rps=float(rps[1]),
        p50_ms=latency("50"),
        p99_ms=latency("99"),
        requests=int(total[1]),
        non_2xx_3xx=int(non_2xx[1]) if non_2xx else 0,
        socket_errors=sum(int(n) for n in sockets.groups()) if sockets else 0,
        bytes_per_answer=float(total[2]) * UNITS_BYTES[total[3]] / max(int(total[1]), 1),
        socket_detail=sockets[0] if sockets else "",
    )


def combined(loads: list[Load]) -> Load:
    """Several runs of one page as one: requests per second over all of them (they last the
    same time), the median p50, the worst p99, every error."""
    requests = sum(load.requests for load in loads)
    return Load(
        rps=statistics.mean(load.rps for load in loads),
        p50_ms=statistics.median(load.p50_ms for load in loads),
        p99_ms=max(load.p99_ms for load in loads),
        requests=requests,
        non_2xx_3xx=sum(load.non_2xx_3xx for load in loads),
        socket_errors=sum(load.socket_errors for load in loads),
        bytes_per_answer=sum(load.bytes_per_answer * load.requests for load in loads)
        / max(requests, 1),
        socket_detail="; ".join(load.socket_detail for load in loads if load.socket_errors),
    )


# --- In-process: SQL statements and time of one request ----------------------------------

TRANSACTION_CONTROL = re.compile(r"\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)\b", re.I)


@dataclass
class InProcess:
    queries: int
    transactions: int
    median_ms: float


@contextmanager
def counting(engine):
    """Counts the SQL statements (transaction control apart) and the transactions begun."""
    from sqlalchemy import event

    counter = {"queries": 0, "transactions": 0}

    def before_cursor_execute(conn, cursor, statement, *args):
        if not TRANSACTION_CONTROL.match(statement):
            counter["queries"] += 1

    def begin(conn):
        counter["transactions"] += 1

    event.listen(engine, "before_cursor_execute", before_cursor_execute)
    event.listen(engine, "begin", begin)
    try:
        yield counter
    finally:
        event.remove(engine, "before_cursor_execute", before_cursor_execute)
        event.remove(engine, "begin", begin)


def measure_in_process(env: dict, logins: dict, selected: list[str], repeat: int) -> tuple:
    """Per page: the statements of one request and the median time of `repeat` requests (after
    a warm-up), with the app built as gunicorn builds it (same environment) and the test client
    signed in through the login form. Also returns the paths (ids read from the pages)."""
    os.environ.update(env)  # before the import: the settings are read when parcours loads
    sys.path.insert(0, str(ROOT))
    from parcours import create_app
    from parcours.extensions import db

    app = create_app()
    with app.app_context():
        engine = db.engine
    browsers = {}
    landing = {}
    for who in {PAGES[name][0] for name in selected} | {"claire"}:
        browsers[who] = TestClientBrowser(app.test_client())
        landing[who] = sign_in(browsers[who], *logins[who])
    paths = resolve_paths(browsers["claire"], landing, selected)
    results = {}
    for name in selected:
        who = PAGES[name][0]
        browser = browsers[who]
        check_page(browser, name, paths[name], expectation(name))
        with counting(engine) as counter:
            page = browser.get(paths[name])
        if page.status != 200 or page.redirects:
            raise BenchmarkError(f"page {name} ({paths[name]}) answered {page.status}")
        timings = []
        for _ in range(repeat):
            started = time.perf_counter()
            browser.client.get(paths[name])
            timings.append(time.perf_counter() - started)
        results[name] = InProcess(
            counter["queries"], counter["transactions"], statistics.median(timings) * 1000
        )
    engine.dispose()  # no connection kept open while gunicorn serves the same database
    return paths, results


def resolve_paths(claire, landing: dict, selected: list[str]) -> dict[str, str]:
    """The path of each page: Léo's plan found on Claire's home, Thomas's landing page."""
    home = claire.get("/")
    if home.status != 200 or home.redirects:
        raise BenchmarkError(f"Claire's home answered {home.status} at {home.path}")
    plan = find_plan(home, "Léo")
    thomas = landing.get("thomas")
    if thomas is not None and not urlsplit(thomas.path).path.startswith("/easy"):
        raise BenchmarkError(f"Thomas landed on {thomas.path}, not on the easy-read pages")
    return {
        name: PAGES[name][1].format(plan=plan, landing=thomas.path if thomas else "")
        for name in selected
    }


def expectation(name: str) -> str | None:
    """A word the real page shows (the sign-in page or an error page would not)."""
    who = PAGES[name][0]
    return {"thomas": "Thomas", "nadia": "37"}.get(who, "Léo")


# --- Main ---------------------------------------------------------------------------------


def table(rows: list[list[str]], right: set[int]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for index, row in enumerate(rows):
        cells = [
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
        if index == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def run(args, selected: list[str], tmp: Path) -> int:
    url = args.postgresql or f"sqlite:///{tmp / 'pages.sqlite'}"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": SECRET_KEY,
        "PARCOURS_SECURE_COOKIES": "0",
        "PYTHONUNBUFFERED": "1",
    }
    started = time.perf_counter()
    if args.postgresql:
        empty_postgresql(args.postgresql)
    logins = build_demo(env)
    database = url.split(":")[0].split("+")[0]
    print(f"database: {database}, demo data built in {time.perf_counter() - started:.1f} s")

    paths, in_process = measure_in_process(env, logins, selected, args.requests)

    servers = []
    try:
        hello = start_gunicorn("hello", "hello:app", ROOT / "benchmarks", args.workers, env, tmp)
        servers.append(hello)
        parcours = start_gunicorn("parcours", "wsgi:app", ROOT, args.workers, env, tmp)
        servers.append(parcours)
        wait_ready(hello, "/")
        wait_ready(parcours, "/login")

        browsers = {}
        for who in {PAGES[name][0] for name in selected}:
            browsers[who] = Browser(parcours.port)
            landing = sign_in(browsers[who], *logins[who])
            if who == "thomas" and landing.path != paths["easy"]:
                raise BenchmarkError(f"Thomas landed on {landing.path}, not {paths['easy']}")
        print(
            f"gunicorn --workers {args.workers} (sync); wrk -t{args.threads} "
            f"-c{args.connections} -d{args.duration:g}s --latency; warm-up {args.warmup:g} s "
            f"per page; in-process: median of {args.requests}"
        )
        print()

        loads = {}
        # Each page runs in rounds, each followed by hello: the page is compared with the hellos
        # run between its rounds, so that a machine whose speed drifts (a shared one does, by
        # a factor of two within minutes here) moves the page and its baseline together.
        if args.warmup:
            run_wrk(hello.port, "/", "", args, args.warmup)
        loads["hello"] = run_wrk(hello.port, "/", "", args, args.duration)
        rounds = max(1, args.rounds)
        page_seconds = max(1, round(args.duration / rounds))
        hello_seconds = max(1, round(args.hello_duration / rounds))
        baselines = {}
        problems = {}
        for name in selected:
            browser = browsers[PAGES[name][0]]
            size = len(check_page(browser, name, paths[name], expectation(name)).text.encode())
            cookie = browser.cookie_header()
            if args.warmup:
                run_wrk(parcours.port, paths[name], cookie, args, args.warmup)
            runs, hellos = [], []
            for _round in range(rounds):
                runs.append(run_wrk(parcours.port, paths[name], cookie, args, page_seconds))
                hellos.append(run_wrk(hello.port, "/", "", args, hello_seconds).rps)
            loads[name] = load = combined(runs)
            baselines[name] = statistics.mean(hellos)
            # wrk counts a redirect (to the sign-in page, say) as a success: its answers must be
            # as large as the page, and the page must still answer afterwards.
            if load.bytes_per_answer < 0.8 * size:
                problems[name] = (
                    f"wrk's answers average {load.bytes_per_answer / 1024:.1f} KiB, the page is "
                    f"{size / 1024:.1f} KiB: wrk was not answered the page (redirects?)"
                )
            try:
                check_page(browser, name, paths[name], expectation(name))
            except BenchmarkError as error:
                problems[name] = f"after the run, {error}"
        # hello again: how much the machine's load drifted while the pages were measured.
        loads["hello, end"] = run_wrk(hello.port, "/", "", args, args.duration)
    finally:
        for server in servers:
            stop(server)

    base = loads["hello"].rps
    header = "page path req/s p50_ms p99_ms hello x_hello non-2xx sock_err KiB SQL tx in-proc_ms"
    rows = [[cell.replace("_", " ") for cell in header.split()]]
    for name, load in loads.items():
        inner = in_process.get(name)
        flagged = load.non_2xx_3xx or name in problems
        baseline = baselines.get(name, base)
        rows.append(
            [
                name + (" !" if flagged else ""),
                paths.get(name, "/ (benchmarks/hello.py)"),  # the hellos are not in paths
                f"{load.rps:.1f}",
                f"{load.p50_ms:.1f}",
                f"{load.p99_ms:.1f}",
                f"{baseline:.0f}",
                f"{load.rps / baseline:.3f}" if baseline else "-",
                str(load.non_2xx_3xx),
                str(load.socket_errors),
                f"{load.bytes_per_answer / 1024:.1f}",
                str(inner.queries) if inner else "-",
                str(inner.transactions) if inner else "-",
                f"{inner.median_ms:.1f}" if inner else "-",
            ]
        )
    print(table(rows, right=set(range(2, 13))))
    print()
    print(
        textwrap.fill(
            f"Each page runs {args.rounds} times ({args.duration} s in all), each run followed "
            f"by hello ({args.hello_duration} s in all); p50 is the median of its runs', p99 the "
            "worst. hello: the page's baseline, the mean req/s of the hello runs between its "
            "own. x hello: the page's req/s over that baseline (for the hello rows, over the first "
            'hello: "hello, end", measured after the pages, shows by its distance from 1 how '
            "much the machine's speed moved meanwhile). non-2xx: answers wrk counted as neither "
            "2xx nor 3xx. sock err: wrk's connect/read/write errors and timeouts. KiB: wrk's bytes "
            "read per answer (headers included). SQL: statements one request runs (BEGIN/COMMIT "
            "apart); tx: transactions it begins; in-proc ms: median time of one request through "
            "the test client, in this process.",
            width=100,
        )
    )
    notes = [
        f"note: {name}: {load.socket_detail} (wrk's timeout is 2 s: answers slower than that "
        "are missing from p99)"
        for name, load in loads.items()
        if load.socket_errors
    ]
    if notes:
        print("\n" + "\n".join(notes))
    for name, load in loads.items():
        if load.non_2xx_3xx:
            problems.setdefault(
                name,
                f"{load.non_2xx_3xx} of {load.requests} answers were not 2xx/3xx "
                "(see the gunicorn log)",
            )
    if problems:
        print()
        for name, problem in problems.items():
            print(f"!!! {name}: {problem}: its figures are meaningless.")
        for server in servers:
            errors = server.log.read_text()
            if errors.strip():
                print(f"--- end of {server.log.name} ---\n{errors[-3000:]}")
        return 1
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgresql", metavar="URL", help="measure on this database (erased)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--connections", type=int, default=8, help="wrk -c (default 8)")
    parser.add_argument("--threads", type=int, default=1, help="wrk -t (default 1)")
    parser.add_argument("--duration", type=int, default=10, help="wrk -d, seconds (default 10)")
    parser.add_argument("--warmup", type=int, default=1, help="wrk run before each, seconds")
    parser.add_argument(
        "--hello-duration",
        type=int,
        default=3,
        help="seconds of hello measured between a page's rounds, in all (default 3)",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="runs of each page, each followed by hello, sharing --duration (default 3)",
    )
    parser.add_argument("--requests", type=int, default=20, help="in-process requests per page")
    parser.add_argument(
        "--pages", default=",".join(PAGES), help=f"comma-separated subset of {','.join(PAGES)}"
    )
    parser.add_argument("--wrk", default=shutil.which("wrk") or "wrk", help=argparse.SUPPRESS)
    args = parser.parse_args()
    selected = [name.strip() for name in args.pages.split(",") if name.strip()]
    unknown = [name for name in selected if name not in PAGES]
    if unknown or not selected:
        parser.error(f"unknown page(s) {', '.join(unknown)}; choose among {', '.join(PAGES)}")
    if not shutil.which(args.wrk):
        parser.error("wrk is not installed (apt-get install -y wrk)")

    # A SIGTERM (or a CI timeout) unwinds like Ctrl-C, so the gunicorn servers are stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    with tempfile.TemporaryDirectory(prefix="parcours-pages-") as tmp:
        try:
            return run(args, selected, Path(tmp))
        except BenchmarkError as error:
            print(f"benchmark aborted: {error}", file=sys.stderr)
            return 2


if __name__ == "__main__":
    sys.exit(main())
