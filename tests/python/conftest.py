"""A small chiso world for the analyst-client tests, built with chiso's own
commands against the test ClickHouse of `make test`:

- a database with two months collected from the simulator and computed;
- an analyst account and its API token;
- a read-only ClickHouse user for that database (scripts/clickhouse.sh analyst-user);
- `chiso serve` on a free loopback port, running analysts' SQL as that user.

Environment (set by scripts/test.sh): CHISO_TEST_CLICKHOUSE_URL,
CHISO_TEST_CLICKHOUSE_DIR, CHISO_BIN (the chiso binary).
"""

import os
import re
import secrets
import socket
import subprocess
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DATABASE = "chiso_py_analyst"
MONTHS = ("2024-05", "2024-06")
ANALYST_LOGIN = "analyst.notebook"
CH_USER = "chiso_py_analyst_ro"
TIMEOUT = 120


@dataclass
class World:
    api: str  # http://127.0.0.1:PORT
    token: str
    clickhouse_url: str
    ch_user: str
    ch_password: str
    database: str
    native_port: int


def required_env(name):
    value = os.environ.get(name)
    if not value:
        pytest.fail(f"{name} is not set: run the tests with `make test`")
    return value


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=2).close()
            return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"nothing listens on 127.0.0.1:{port} after {seconds} s")


def wait_for(url, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"{url} did not answer within {seconds} s")


@pytest.fixture(scope="session")
def world():
    ch_url = required_env("CHISO_TEST_CLICKHOUSE_URL")
    ch_dir = required_env("CHISO_TEST_CLICKHOUSE_DIR")
    chiso = required_env("CHISO_BIN")
    env = dict(os.environ, CHISO_SESSION_SECRET=secrets.token_hex(24))
    base = [chiso, "--clickhouse-url", ch_url, "--database", DATABASE]

    def run(*args, **kw):
        return subprocess.run(
            base + list(args), env=env, cwd=ROOT, check=True, capture_output=True,
            text=True, timeout=TIMEOUT, **kw
        ).stdout

    for db in (DATABASE, DATABASE + "_private"):
        urllib.request.urlopen(ch_url, data=f"DROP DATABASE IF EXISTS {db}".encode(), timeout=30)
    run("migrate")

    sim_port, web_port = free_port(), free_port()
    children = []
    try:
        children.append(subprocess.Popen(
            [chiso, "simulate", "--port", str(sim_port)], env=env, cwd=ROOT,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        wait_port(sim_port)
        run("--source-override", f"http://127.0.0.1:{sim_port}", "collect",
            "--from", MONTHS[0], "--to", MONTHS[-1])
        run("compute", "--from", MONTHS[0], "--to", MONTHS[-1])

        run("users", "add", "--login", ANALYST_LOGIN, "--role", "analyst")
        token = run("users", "token", "--login", ANALYST_LOGIN).strip().splitlines()[-1]
        ch_password = secrets.token_hex(16)
        subprocess.run(
            [ROOT / "scripts/clickhouse.sh", "analyst-user", ch_dir, DATABASE, CH_USER, ch_password],
            check=True, capture_output=True, timeout=TIMEOUT)

        serve_env = dict(env, CHISO_CLICKHOUSE_ANALYST_USER=CH_USER,
                         CHISO_CLICKHOUSE_ANALYST_PASSWORD=ch_password)
        children.append(subprocess.Popen(
            base + ["serve", "--addr", f"127.0.0.1:{web_port}"], env=serve_env, cwd=ROOT,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        api = f"http://127.0.0.1:{web_port}"
        wait_for(api + "/healthz")
        config = (Path(ch_dir) / "config.xml").read_text()
        native_port = int(re.search(r"<tcp_port>(\d+)</tcp_port>", config).group(1))
        yield World(api, token, ch_url, CH_USER, ch_password, DATABASE, native_port)
    finally:
        for child in children:
            child.terminate()
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
