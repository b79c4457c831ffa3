"""Benchmark `newswatch feeds import` on a large OPML file: `python -m ops.bench.opml [--feeds 364734]`.

Writes an OPML file of N feeds in nested categories (the default makes about 50 MB, the file an
outside tester imported), imports it into a throwaway database with the real CLI in
a child process, and prints the file size, the seconds taken and the child's peak memory (its
maximum resident set size). Needs a PostgreSQL server that allows CREATE DATABASE (TEST_PG_ADMIN_URL,
default postgres@127.0.0.1).
"""

from __future__ import annotations

import argparse
import os
import resource
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from xml.sax.saxutils import quoteattr

import psycopg

ROOT = Path(__file__).resolve().parents[2]
PG_ADMIN_URL = os.environ.get("TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def write_opml(path: Path, feeds: int) -> None:
    """`feeds` outlines in categories of 50, about 137 bytes each (364,734 make 50 MB)."""
    with path.open("w", encoding="utf-8") as out:
        out.write('<?xml version="1.0" encoding="UTF-8"?>\n<opml version="2.0"><head><title>bench</title></head>'
                  "<body>\n")
        for n in range(feeds):
            if n % 50 == 0:
                if n:
                    out.write("</outline>\n")
                out.write(f'<outline text="Category {n // 50}">\n')
            title = quoteattr(f"Regional desk {n}")
            out.write(f'  <outline type="rss" text={title} title={title} '
                      f'xmlUrl="https://news{n % 997}.example.com/feeds/{n}.xml"/>\n')
        out.write("</outline>\n</body></opml>\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--feeds", type=int, default=364_734)
    args = parser.parse_args()
    name = f"newswatch_bench_opml_{secrets.token_hex(3)}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    env = {**os.environ, "DATABASE_URL": url}
    try:
        with tempfile.TemporaryDirectory(prefix="nwopml") as tmp:
            path = Path(tmp) / "feeds.opml"
            write_opml(path, args.feeds)
            subprocess.run([sys.executable, "-m", "ops", "db", "migrate"], env=env, cwd=ROOT, check=True,
                           capture_output=True)
            before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
            started = time.monotonic()
            result = subprocess.run([sys.executable, "-m", "ops", "feeds", "import", str(path)], env=env, cwd=ROOT,
                                    capture_output=True, text=True)
            elapsed = time.monotonic() - started
            peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
            size_mb = path.stat().st_size / 1e6
        if peak_mb * 1024 <= before:
            print("opml: warning: the import's peak did not exceed the migrate's; the figure is a floor")
        print(f"opml: {args.feeds} feeds, {size_mb:.1f} MB file: exit {result.returncode}, {elapsed:.1f} s, "
              f"peak memory {peak_mb:.0f} MB; {(result.stdout or result.stderr).strip()[-300:]}")
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
