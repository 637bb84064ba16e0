"""Machine instructions per request of each main page, counted by Valgrind's callgrind.

The figure that does not move with the machine: benchmarks/pages.py measures requests per
second, which a shared machine changes by a factor of two within minutes; the instructions a
request runs are the same from one run to the next (to a few in ten thousand), so a change of
1 % shows. Builds the demo database (SQLite, in a temporary directory) with `flask demo`, then
runs itself under callgrind: in the app's own process, with the test client, it signs in as
the demo's Claire and Thomas, warms each page up, and counts the instructions of --requests
requests of it (collection is switched on and off around them, through a client request of
callgrind's, from a tiny C library compiled for the run). The bare Flask hello of
benchmarks/hello.py is counted the same way: its ratio to a page compares with the ratio of
requests per second pages.py prints (it leaves out what gunicorn and wrk cost). SQLite's own
instructions are counted; the time waited for a disk or a lock is not. With --postgresql, the
demo is built on that database and the count is the app's side only: what the server does
for each statement runs in another process, uncounted (benchmarks/pages.py shows its cost).

    .venv/bin/python benchmarks/instructions.py
    .venv/bin/python benchmarks/instructions.py --pages timeline,easy --requests 10
    .venv/bin/python benchmarks/instructions.py --postgresql postgresql+psycopg://postgres@127.0.0.1/bench

Needs valgrind and a C compiler (`apt-get install -y valgrind gcc`). Takes a minute or two:
callgrind runs the code some fifty times slower. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
# The benchmarks share the demo's logins and page list.
from pages import (
    PAGES,
    ROOT,
    SECRET_KEY,
    BenchmarkError,
    TestClientBrowser,
    build_demo,
    empty_postgresql,
    resolve_paths,
    sign_in,
)

# Switches callgrind's collection on and off around the measured requests (valgrind's
# client requests are machine-code sequences: they exist as C macros only).
TOGGLE_C = """
#include <valgrind/callgrind.h>
void measure_start(void) { CALLGRIND_START_INSTRUMENTATION; CALLGRIND_ZERO_STATS; }
void measure_stop(const char *name) {
    CALLGRIND_DUMP_STATS_AT(name); CALLGRIND_STOP_INSTRUMENTATION;
}
"""
WARM_UP = 8
DEFAULT_PAGES = [name for name in PAGES if name != "observatory"]


def child(args) -> None:
    """Under callgrind: count each page's requests (and hello's)."""
    os.environ.update({"DATABASE_URL": args.database, "SECRET_KEY": SECRET_KEY})
    sys.path.insert(0, str(ROOT))
    from hello import app as hello_app

    # As gunicorn loads it: what the app builds at start is frozen for the garbage collector.
    from wsgi import app

    toggle = ctypes.CDLL(args.toggle)
    logins = json.loads(Path(args.logins).read_text())
    selected = args.pages.split(",")
    browsers, landing = {}, {}
    for who in {PAGES[name][0] for name in selected} | {"claire"}:
        browsers[who] = TestClientBrowser(app.test_client())
        landing[who] = sign_in(browsers[who], *logins[who])
    paths = resolve_paths(browsers["claire"], landing, selected)
    targets = [("hello", hello_app.test_client(), "/")] + [
        (name, browsers[PAGES[name][0]].client, paths[name]) for name in selected
    ]
    for name, client, path in targets:
        for _ in range(WARM_UP):
            answer = client.get(path)
        if answer.status_code != 200:
            raise BenchmarkError(f"{name} ({path}) answered {answer.status_code}")
        toggle.measure_start()
        for _ in range(args.requests):
            client.get(path)
        toggle.measure_stop(name.encode())


def counted(out_dir: Path) -> dict[str, int]:
    """{page: instructions} from callgrind's dumps."""
    totals = {}
    for dump in out_dir.glob("callgrind.out.*"):
        text = dump.read_text(errors="replace")
        trigger = re.search(r"^desc: Trigger: Client Request: (.+)$", text, re.M)
        summary = re.search(r"^(?:summary|totals): (\d+)", text, re.M)
        if trigger and summary:
            totals[trigger[1].strip()] = int(summary[1])
    return totals


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", default=",".join(DEFAULT_PAGES), help="comma-separated")
    parser.add_argument("--requests", type=int, default=5, help="counted per page (default 5)")
    parser.add_argument("--postgresql", metavar="URL", help="count on this database (erased)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--database", help=argparse.SUPPRESS)
    parser.add_argument("--logins", help=argparse.SUPPRESS)
    parser.add_argument("--toggle", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return 0
    unknown = [name for name in args.pages.split(",") if name not in PAGES]
    if unknown:
        parser.error(f"unknown page(s) {', '.join(unknown)}; choose among {', '.join(PAGES)}")
    for tool in ("valgrind", "cc"):
        if not shutil.which(tool):
            parser.error(f"{tool} is not installed (apt-get install -y valgrind gcc)")
    with tempfile.TemporaryDirectory(prefix="parcours-instructions-") as tmp:
        tmp = Path(tmp)
        (tmp / "toggle.c").write_text(TOGGLE_C)
        subprocess.run(
            ["cc", "-shared", "-fPIC", "-O1", "-o", tmp / "toggle.so", tmp / "toggle.c"], check=True
        )
        database = args.postgresql or f"sqlite:///{tmp / 'demo.sqlite'}"
        env = {**os.environ, "DATABASE_URL": database, "SECRET_KEY": SECRET_KEY}
        try:
            if args.postgresql:
                empty_postgresql(args.postgresql)
            logins = build_demo(env)
        except BenchmarkError as error:
            print(f"benchmark aborted: {error}", file=sys.stderr)
            return 2
        (tmp / "logins.json").write_text(json.dumps(logins))
        command = [
            "valgrind", "--tool=callgrind", "--instr-atstart=no",
            f"--callgrind-out-file={tmp / 'callgrind.out.%p'}",
            sys.executable, __file__, "--child", "--pages", args.pages,
            "--requests", str(args.requests), "--database", database,
            "--logins", str(tmp / "logins.json"), "--toggle", str(tmp / "toggle.so"),
        ]  # fmt: skip
        result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
        if result.returncode != 0:
            print(f"the counted run failed:\n{result.stderr[-3000:]}", file=sys.stderr)
            return 2
        totals = counted(tmp)
    hello = totals.get("hello")
    where = "PostgreSQL (the app's side only)" if args.postgresql else "SQLite"
    print(f"callgrind, demo data on {where}; {args.requests} requests counted per page")
    print(f"{'page':12} {'M instr/req':>12} {'x hello':>8}")
    for name in ["hello", *args.pages.split(",")]:
        if name in totals:
            per = totals[name] / args.requests
            ratio = f"{hello / totals[name]:.3f}" if hello else "-"
            print(f"{name:12} {per / 1e6:12.2f} {ratio:>8}")
    print(
        "\nM instr/req: millions of machine instructions one request runs (Python, SQLite or "
        "the database driver, the test client). x hello: hello's count over the page's."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
