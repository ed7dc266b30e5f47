#!/usr/bin/env python3
"""The analyst user's access on current ClickHouse (chdb), in both forms.

18.16 takes users, profiles and grants from users.d files; current servers
also take `CREATE USER` / `SETTINGS PROFILE` / `GRANT`. chiso ships both:
`scripts/clickhouse.sh analyst-xml` (what the tests and the demo install) and
`deploy/clickhouse/analyst-access.sql` (docs/security.md). This check:
  1. loads the users.d file into current ClickHouse (an unknown setting or
     element stops the server loading it) and reads back the analyst's
     profile and grants from system tables: readonly = 1, SELECT on the
     analysts' database only, nothing on chiso_private;
  2. parses every statement of the SQL file on current ClickHouse (EXPLAIN AST;
     chdb has no writable access storage to run them);
  3. compares the two forms: the same settings with the same values, and the
     same one database granted.
A canary checks the comparison can fail. Exits 1 naming what differs.

    access.py --sql deploy/clickhouse/analyst-access.sql [--report FILE]
"""

import argparse
import os
import re
import secrets
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

from chdb import session

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATABASE = "chiso"
PRIVATE = "chiso_private"
USER = "chiso_analyst"

SERVER_CONFIG = """<clickhouse>
  <users>
    <default>
      <password></password>
      <networks><ip>::1</ip><ip>127.0.0.1</ip></networks>
      <profile>default</profile>
      <quota>default</quota>
      <access_management>1</access_management>
    </default>
  </users>
  <profiles><default/></profiles>
  <quotas><default/></quotas>
  <user_directories><users_xml><path>{path}</path></users_xml></user_directories>
</clickhouse>
"""


def users_xml():
    """The users.d file exactly as `analyst-user` installs it."""
    script = os.path.join(ROOT, "scripts", "clickhouse.sh")
    password = secrets.token_hex(16)
    out = subprocess.run(
        [script, "analyst-xml", DATABASE, USER, password],
        check=True, capture_output=True, text=True, timeout=60,
    )
    return out.stdout


def xml_profile(text):
    """The settings of the analyst's profile in the users.d file, as text."""
    root = ET.fromstring(text)
    profile = root.find(f"profiles/{USER}")
    if profile is None:
        raise SystemExit(f"access: the users.d file has no profile {USER}")
    return {e.tag: (e.text or "").strip() for e in profile}


def xml_databases(text):
    root = ET.fromstring(text)
    return sorted((e.text or "").strip() for e in root.findall(f"users/{USER}/allow_databases/database"))


def sql_statements(text):
    """Statements of the SQL file, comments dropped."""
    body = "\n".join(line.split("--", 1)[0] for line in text.splitlines())
    return [s.strip() for s in body.split(";") if s.strip()]


SETTING = re.compile(r"(\w+)\s*=\s*('(?:[^']*)'|[-\w.]+)\s+(?:CONST|READONLY)\b", re.IGNORECASE)
GRANT = re.compile(r"^GRANT\s+(.+?)\s+ON\s+(\S+)\s+TO\s+(.+)$", re.IGNORECASE | re.DOTALL)


def sql_profile(statements):
    profiles = [s for s in statements if re.match(r"CREATE\s+SETTINGS\s+PROFILE", s, re.IGNORECASE)]
    if len(profiles) != 1:
        raise SystemExit(f"access: expected one CREATE SETTINGS PROFILE, found {len(profiles)}")
    return {name: value.strip("'") for name, value in SETTING.findall(profiles[0])}


def sql_grants(statements):
    grants = []
    for s in statements:
        m = GRANT.match(s)
        if m:
            grants.append((m.group(1).strip().upper(), m.group(2)))
    return grants


def differences(a, b, a_name, b_name):
    """Settings set in one form only, or to other values."""
    out = []
    for name in sorted(set(a) | set(b)):
        if name not in b:
            out.append(f"{name} = {a[name]} in {a_name} only")
        elif name not in a:
            out.append(f"{name} = {b[name]} in {b_name} only")
        elif a[name] != b[name]:
            out.append(f"{name}: {a[name]} in {a_name}, {b[name]} in {b_name}")
    return out


def rows(s, sql):
    text = s.query(sql, "TSV").bytes().decode()
    return [line.split("\t") for line in text.splitlines() if line]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sql", required=True)
    parser.add_argument("--report", default=None)
    args = parser.parse_args()

    failures, notes = [], []
    xml = users_xml()
    profile_xml = xml_profile(xml)
    with open(args.sql, encoding="utf-8") as f:
        statements = sql_statements(f.read())

    with tempfile.TemporaryDirectory(prefix="chiso-access-") as work:
        config = os.path.join(work, "config.xml")
        with open(config, "w", encoding="utf-8") as f:
            f.write(SERVER_CONFIG.format(path=config))
        os.makedirs(os.path.join(work, "config.d"))
        with open(os.path.join(work, "config.d", f"{USER}.xml"), "w", encoding="utf-8") as f:
            f.write(xml)
        try:
            s = session.Session(os.path.join(work, "data") + f"?config-file={config}")
        except Exception as e:  # chdb raises its own error classes
            raise SystemExit(f"access: current ClickHouse refuses the users.d file: {e}")
        version = rows(s, "SELECT version()")[0][0]
        for db in (DATABASE, PRIVATE):
            s.query(f"CREATE DATABASE IF NOT EXISTS {db}")

        # 1. The users.d form as current ClickHouse understands it.
        loaded = dict(
            (name, value)
            for name, value in rows(
                s,
                "SELECT setting_name, value FROM system.settings_profile_elements "
                f"WHERE profile_name = '{USER}' AND setting_name != ''",
            )
        )
        for d in differences(profile_xml, loaded, "the users.d file", f"ClickHouse {version}'s profile"):
            failures.append(f"profile as loaded: {d}")
        if loaded.get("readonly") != "1":
            failures.append(f"readonly is {loaded.get('readonly')!r} on {version}, not 1")
        reads = rows(
            s,
            "SELECT access_type, ifNull(database, '*'), ifNull(table, '*') FROM system.grants "
            f"WHERE user_name = '{USER}' AND access_type IN ('SELECT', 'INSERT', 'ALTER', 'CREATE', 'DROP', 'ALL')",
        )
        for access, db, table in reads:
            if db != DATABASE:
                failures.append(f"users.d form grants {access} on {db}.{table} on {version}")
        if not any(a == "SELECT" and db == DATABASE for a, db, _ in reads):
            failures.append(f"users.d form grants no SELECT on {DATABASE} on {version}")
        private = rows(s, f"SELECT access_type FROM system.grants WHERE user_name = '{USER}' AND database = '{PRIVATE}'")
        if private:
            failures.append(f"users.d form grants {private} on {PRIVATE}")
        notes.append(f"users.d form on {version}: {len(loaded)} settings, grants read and written on {DATABASE} only, readonly = 1")

        # 2. The SQL form parses on current ClickHouse.
        for stmt in statements:
            try:
                s.query("EXPLAIN AST " + stmt, "TSV")
            except Exception as e:
                failures.append(f"does not parse on {version}: {stmt.splitlines()[0]}…: {str(e)[:300]}")
        notes.append(f"SQL form: {len(statements)} statements parse on {version}")
        s.close()

    # 3. The two forms say the same.
    profile_sql = sql_profile(statements)
    for d in differences(profile_xml, profile_sql, "the users.d file", args.sql):
        failures.append(f"the two forms differ: {d}")
    grants = sql_grants(statements)
    granted = sorted(on.split(".")[0] for _, on in grants)
    if [p for p, _ in grants] != ["SELECT"] * len(grants) or granted != xml_databases(xml):
        failures.append(f"SQL grants {grants}; the users.d file allows databases {xml_databases(xml)}")
    # Canary: the comparison must see a setting missing from one form.
    canary = dict(profile_sql)
    canary.pop("readonly", None)
    if not differences(profile_xml, canary, "a", "b"):
        failures.append("canary: a profile without readonly compared equal")

    lines = ["# Analyst access on current ClickHouse", ""] + [f"- {n}" for n in notes]
    lines += ["", f"## Failures ({len(failures)})", ""] + [f"- {f}" for f in failures]
    if args.report:
        os.makedirs(os.path.dirname(args.report) or ".", exist_ok=True)
        with open(args.report, "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
