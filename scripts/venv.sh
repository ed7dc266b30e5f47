#!/usr/bin/env bash
# The project-local Python environment (.venv) of the tests: tests/python's
# clients and the replay on current ClickHouse. Installs only when the pinned
# requirements changed since the last install. Prints the interpreter's path.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
req=tests/python/requirements.txt
venv=.venv
stamp=$venv/.requirements
if ! cmp -s "$req" "$stamp" 2>/dev/null; then
    [ -x "$venv/bin/python" ] || python3 -m venv "$venv" >&2
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$req" >&2
    cp "$req" "$stamp"
fi
echo "$PWD/$venv/bin/python"
