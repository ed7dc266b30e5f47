#!/usr/bin/env python3
"""Replays what chiso sent to ClickHouse 18.16 on current ClickHouse (chdb).

After the integration tests ran against 18.16 with query logging on
(CH_LOG_QUERIES=1), for every database chiso used:
  1. apply every migration statement (`chiso migrate --print`) to current
     ClickHouse, in process (chdb-core);
  2. copy each table's rows there (RowBinary, exact for every type chiso uses);
  3. run every distinct SELECT chiso sent to that database on both servers and
     compare the rows (as multisets; numbers compared to 10 significant digits).
Fails naming each migration, table or query that fails or differs, and writes
a report (default target/compat/report.md).

    replay.py --url http://127.0.0.1:PORT --chiso target/debug/chiso [--report FILE]
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections import Counter

from chdb import session

# chiso's user agent names the database each client works in (src/store/mod.rs).
AGENT_DATABASE = re.compile(r"^chiso/\S+ \(database ([A-Za-z0-9_]+)\)")
TRAILING_FORMAT = re.compile(r"\s+FORMAT\s+\w+\s*$", re.IGNORECASE)
# Answers that depend on the server itself, not on chiso's data.
SERVER_SPECIFIC = [
    (re.compile(r"\bsystem\.", re.IGNORECASE), "reads system tables"),
    (re.compile(r"\bversion\(\)", re.IGNORECASE), "asks the server version"),
]
TIMEOUT = 120


def old_server(url, sql, database=None, data=None):
    """One query on 18.16 over HTTP; returns the body (bytes) or raises."""
    params = {"query": sql} if data is not None else {}
    if database:
        params["database"] = database
    full = url + "/?" + urllib.parse.urlencode(params)
    body = data if data is not None else sql.encode()
    with urllib.request.urlopen(full, data=body, timeout=TIMEOUT) as r:
        return r.read()


def quote(name):
    return "`" + name.replace("`", "\\`") + "`"


# 18.16 prints the zero DateTime (and Date) as zeros, current ClickHouse as
# the epoch: the same stored value, which chiso reads as a number anyway.
ZERO_TIMES = {"0000-00-00 00:00:00": "1970-01-01 00:00:00", "0000-00-00": "1970-01-01"}


def canonical_rows(tsv):
    """Rows as sorted tuples, each number written to 10 significant digits."""
    rows = []
    for line in tsv.splitlines():
        fields = []
        for f in line.split("\t"):
            f = ZERO_TIMES.get(f, f)
            try:
                fields.append(str(int(f)))
            except ValueError:
                try:
                    fields.append(format(float(f), ".10g"))
                except ValueError:
                    fields.append(f)
        rows.append(tuple(fields))
    return sorted(rows)


def first_difference(a, b):
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return f"row {i}: 18.16 {x!r} / current {y!r}"
    return f"18.16 has {len(a)} rows, current {len(b)}"


class Replay:
    def __init__(self, url, chiso, workdir):
        self.url = url
        self.chiso = chiso
        self.work = workdir
        self.new = session.Session(os.path.join(workdir, "chdb"))
        self.failures = []  # (what, detail)
        self.skipped = Counter()
        self.figures = Counter()

    def fail(self, what, detail):
        self.failures.append((what, detail.strip()[:600]))

    def logged_queries(self):
        """{database: set(query)} of every query chiso finished, from query_log."""
        old_server(self.url, "SYSTEM FLUSH LOGS")
        tsv = old_server(
            self.url,
            "SELECT http_user_agent, query FROM system.query_log "
            "WHERE type = 2 AND http_user_agent LIKE 'chiso/%' FORMAT JSONEachRow",
        ).decode()
        by_db = {}
        for line in tsv.splitlines():
            row = json.loads(line)
            m = AGENT_DATABASE.match(row["http_user_agent"])
            if m:
                by_db.setdefault(m.group(1), set()).add(row["query"])
        return by_db

    def plan(self):
        out = subprocess.run(
            [self.chiso, "migrate", "--print"], check=True, capture_output=True, text=True
        ).stdout
        return [json.loads(line) for line in out.splitlines() if line.strip()]

    def migrate(self, main, plan):
        """Creates `main` and `main_private` on current ClickHouse from the plan."""
        for db in (main, main + "_private"):
            self.new.query(f"DROP DATABASE IF EXISTS {quote(db)}")
            self.new.query(f"CREATE DATABASE {quote(db)}")
        for step in plan:
            db = main if step["database"] == "main" else main + "_private"
            try:
                self.new.query(f"USE {quote(db)}")
                self.new.query(step["statement"])
                self.figures["migration statements"] += 1
            except Exception as e:  # chdb raises its own error class
                self.fail(f"migration {step['migration']} in {db}", str(e))
                return False
        return True

    def copy_tables(self, db):
        tables = old_server(
            self.url,
            f"SELECT name FROM system.tables WHERE database = '{db}' "
            "AND engine NOT LIKE '%View' ORDER BY name FORMAT TSV",
        ).decode().split()
        for table in tables:
            cols = [
                (c["name"], c["type"])
                for c in map(
                    json.loads,
                    old_server(
                        self.url,
                        f"SELECT name, type FROM system.columns WHERE database = '{db}' "
                        f"AND table = '{table}' FORMAT JSONEachRow",
                    ).decode().splitlines(),
                )
            ]
            names = ", ".join(quote(n) for n, _ in cols)
            structure = ", ".join(f"{quote(n)} {t}" for n, t in cols)
            exists = self.new.query(
                f"SELECT count() FROM system.tables WHERE database = '{db}' AND name = '{table}'",
                "TSV",
            ).bytes().strip()
            if exists != b"1":
                # Made by a test, not by a migration: made here as 18.16 shows it.
                ddl = old_server(
                    self.url, f"SHOW CREATE TABLE {quote(db)}.{quote(table)} FORMAT TSVRaw"
                ).decode()
                try:
                    self.new.query(ddl)
                    self.figures["tables not made by migrations"] += 1
                except Exception as e:
                    self.fail(f"creating {db}.{table} as 18.16 shows it", str(e))
                    continue
            data = old_server(self.url, f"SELECT {names} FROM {quote(db)}.{quote(table)} FORMAT RowBinary")
            if not data:
                continue
            path = os.path.join(self.work, "rows.bin")
            with open(path, "wb") as f:
                f.write(data)
            try:
                self.new.query(
                    # Rows as 18.16 holds them: no engine merge at insert.
                    f"INSERT INTO {quote(db)}.{quote(table)} ({names}) "
                    "SETTINGS optimize_on_insert = 0 "
                    f"SELECT * FROM file('{path}', 'RowBinary', '{structure.replace(chr(39), chr(92) + chr(39))}')"
                )
                self.figures["tables copied"] += 1
                self.figures["bytes copied"] += len(data)
            except Exception as e:
                self.fail(f"copying {db}.{table}", str(e))

    def compare(self, db, query):
        sql = TRAILING_FORMAT.sub("", query.strip().rstrip(";"))
        head = sql.lstrip("( \n").upper()
        if not (head.startswith("SELECT") or head.startswith("WITH")):
            return
        for pattern, reason in SERVER_SPECIFIC:
            if pattern.search(sql):
                self.skipped[reason] += 1
                return
        try:
            old = old_server(self.url, sql + " FORMAT TSV", database=db).decode()
        except Exception:
            # It ran when chiso sent it; the data changed since (a test dropped it).
            self.skipped["fails on 18.16 against the data left"] += 1
            return
        try:
            self.new.query(f"USE {quote(db)}")
            new = self.new.query(sql, "TSV").bytes().decode()
        except Exception as e:
            self.fail(f"query on {db}: {sql[:300]}", str(e))
            return
        a, b = canonical_rows(old), canonical_rows(new)
        self.figures["queries replayed"] += 1
        if a != b:
            if re.search(r"\b(now|today)\(\)", sql, re.IGNORECASE):
                self.skipped["time-dependent and differs (now()/today())"] += 1
                return
            self.fail(f"query on {db}: {sql[:300]}", first_difference(a, b))
        else:
            self.figures["queries equal"] += 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--url", required=True)
    ap.add_argument("--chiso", required=True)
    ap.add_argument("--report", default="target/compat/report.md")
    args = ap.parse_args()
    started = time.monotonic()

    with tempfile.TemporaryDirectory(prefix="chiso-compat-") as work:
        r = Replay(args.url.rstrip("/"), args.chiso, work)
        # The comparison must be able to fail: the two versions differ.
        old_v = canonical_rows(old_server(r.url, "SELECT version() FORMAT TSV").decode())
        new_v = canonical_rows(r.new.query("SELECT version()", "TSV").bytes().decode())
        if old_v == new_v:
            sys.exit(f"replay: the canary query compares equal ({old_v}); the comparison is broken")
        by_db = r.logged_queries()
        existing = set(old_server(r.url, "SELECT name FROM system.databases FORMAT TSV").decode().split())
        plan = r.plan()
        mains = sorted(
            {db[: -len("_private")] if db.endswith("_private") else db for db in by_db}
            & existing
        )
        for main in mains:
            if main + "_private" not in existing or not r.migrate(main, plan):
                r.skipped["database without its private half"] += main + "_private" not in existing
                continue
            r.figures["databases"] += 1
            # Both halves first: main's queries read private tables too.
            for db in (main, main + "_private"):
                r.copy_tables(db)
            for db in (main, main + "_private"):
                for q in sorted(by_db.get(db, ())):
                    r.compare(db, q)
        version = r.new.query("SELECT version()", "TSV").bytes().decode().strip()
    lines = [
        "# Replay of chiso's SQL on current ClickHouse",
        "",
        f"18.16 at {args.url}; current ClickHouse {version} (chdb-core), in {time.monotonic() - started:.0f} s.",
        "",
        "| figure | count |",
        "|---|---|",
    ]
    lines += [f"| {k} | {v} |" for k, v in sorted(r.figures.items())]
    lines += ["", "Skipped (not comparable):", ""]
    lines += [f"- {k}: {v}" for k, v in sorted(r.skipped.items())] or ["- none"]
    lines += ["", f"Failures: {len(r.failures)}", ""]
    lines += [f"- **{what}**\n  {detail}" for what, detail in r.failures]
    report = "\n".join(lines) + "\n"
    os.makedirs(os.path.dirname(args.report) or ".", exist_ok=True)
    with open(args.report, "w") as f:
        f.write(report)
    print(report if r.failures else "\n".join(lines[:-2]))
    if r.failures:
        sys.exit(1)
    if r.figures["queries equal"] == 0:
        sys.exit("replay: no query was compared (was CH_LOG_QUERIES=1 set for the test server?)")


if __name__ == "__main__":
    main()
