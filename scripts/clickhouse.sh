#!/usr/bin/env bash
# Private, loopback-only ClickHouse servers for the demo (`make run`) and the
# tests. Every bit of state (data, logs, pid, generated config) lives in DIR,
# ports are picked freely, so several servers can run side by side.
#
#   scripts/clickhouse.sh start  DIR [HTTP_PORT]  # last stdout line = URL
#   scripts/clickhouse.sh stop   DIR
#   scripts/clickhouse.sh url    DIR              # exit 1 if not running
#   scripts/clickhouse.sh client DIR [clickhouse-client args...]
#   scripts/clickhouse.sh analyst-user DIR DATABASE USER PASSWORD
#       writes DIR/users.d/USER.xml: the user chiso's SQL endpoint runs
#       analysts' queries as (readonly=1, DATABASE only, limits below), and
#       waits until it can log in (the server rereads users.d by itself).
#   scripts/clickhouse.sh analyst-xml DATABASE USER PASSWORD
#       prints that file (scripts/compat/access.py loads it into current ClickHouse).
#
# A server reads DIR/config.d/*.xml over config.xml: scripts/cluster.sh puts
# its ZooKeeper, macros and remote_servers there.
#
# Env: CH_START_TIMEOUT (seconds, default 60); CH_TCP_PORT (the native port to
# take, an error when busy; cluster.sh names it in remote_servers);
# CH_LOG_QUERIES=1 logs every query of chiso's user to system.query_log; for
# analyst-user the limits
# CH_ANALYST_MAX_EXECUTION_TIME (s, 30), CH_ANALYST_MAX_MEMORY_USAGE (bytes, 1 GiB),
# CH_ANALYST_MAX_ROWS_TO_READ (100 M), CH_ANALYST_MAX_RESULT_ROWS (100 000),
# CH_ANALYST_MAX_RESULT_BYTES (50 MB), CH_ANALYST_MAX_CONCURRENT (4 queries).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# Debian installs the server in /usr/sbin, which non-root PATHs lack.
PATH=$PATH:/usr/sbin

die() { echo "clickhouse.sh: $*" >&2; exit 1; }
say() { echo "clickhouse.sh: $*" >&2; }   # stdout is reserved for the URL

# Absolute DIR; refuse characters that would break the XML or the sed below.
absdir() {
    case $1 in *[\<\>\&\|\\\"\']*) die "unsupported characters in DIR: $1" ;; esac
    [ "${2:-}" = create ] && mkdir -p "$1"
    [ -d "$1" ] || die "no such directory: $1"
    (cd "$1" && pwd)
}

# Read a port back from the generated config (single source of truth).
port_of() {
    [ -f "$1/config.xml" ] || return 0
    sed -n "s|.*<$2>\([0-9]*\)</$2>.*|\1|p" "$1/config.xml"
}

# PID of the server owning DIR, if alive. Checks the command line too, so a
# stale pid file (kill -9, reboot) whose pid got reused is not mistaken for it.
server_pid() {
    local pid
    pid=$(cat "$1/clickhouse.pid" 2>/dev/null) || return 1
    if [ -z "$pid" ] || ! kill -0 "$pid" 2>/dev/null; then return 1; fi
    tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null |
        grep -qxF -- "--config-file=$1/config.xml" || return 1
    echo "$pid"
}

# True when URL/ping answers "Ok." (python3 rather than curl: one dependency).
ping_ok() {
    python3 - "$1" <<'PY' 2>/dev/null
import sys, urllib.request
with urllib.request.urlopen(sys.argv[1] + "/ping", timeout=2) as r:
    sys.exit(0 if r.read().strip() == b"Ok." else 1)
PY
}

# pick_ports HTTP STRICT TCP -> "HTTP TCP": keep the wanted ports (those of
# DIR's previous run, so URLs survive restarts) when free, else take any free
# loopback port; STRICT=1 makes a busy HTTP port an error (explicit port).
# The sockets listen while picking, so the two ports differ; the window until
# the server binds them is short.
pick_ports() {
    python3 - "$@" <<'PY'
import socket, sys
socks = []
def grab(port):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as ClickHouse
    s.bind(("127.0.0.1", port))
    s.listen(1)
    socks.append(s)
    return s.getsockname()[1]
def want(port, strict=False):
    try:
        return grab(port)
    except OSError:
        if strict:
            sys.exit(f"clickhouse.sh: port {port} on 127.0.0.1 is already in use")
        return grab(0)
http, strict, tcp, tcp_strict = map(int, sys.argv[1:])
print(want(http, strict == 1), want(tcp, tcp_strict == 1))
PY
}

wait_ready() { # DIR URL: wait for /ping; fail early if the daemon died
    local deadline=$((SECONDS + ${CH_START_TIMEOUT:-60})) pid=""
    while ((SECONDS < deadline)); do
        # The daemon writes its pid file once forked and removes it on exit.
        [ -n "$pid" ] || pid=$(cat "$1/clickhouse.pid" 2>/dev/null) || true
        if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then break; fi
        if ping_ok "$2" && server_pid "$1" >/dev/null; then return 0; fi
        sleep 0.5
    done
    say "server in $1 did not answer $2/ping; last log lines:"
    tail -n 30 "$1/log/clickhouse-server.err.log" "$1/log/stderr.log" \
        "$1/log/stdout.log" >&2 2>/dev/null || true
    return 1
}

cmd_start() {
    local dir http=${2:-0} tcp url pid strict=1 prev_tcp ports
    case $http in *[!0-9]* | "") die "bad HTTP_PORT: $http" ;; esac
    dir=$(absdir "$1" create)
    # Serialise concurrent starts on one DIR (parallel tests).
    exec 9>"$dir/.start.lock"
    flock 9

    if pid=$(server_pid "$dir"); then
        url="http://127.0.0.1:$(port_of "$dir" http_port)"
        if wait_ready "$dir" "$url"; then
            say "reusing server pid $pid in $dir"
            echo "$url" >"$dir/url"
            echo "$url"
            return 0
        fi
        say "server pid $pid is not answering; restarting it"
        cmd_stop "$dir"
    fi
    rm -f "$dir/clickhouse.pid" "$dir/url"

    prev_tcp=${CH_TCP_PORT:-$(port_of "$dir" tcp_port)}
    if [ "$http" = 0 ]; then strict=0; http=$(port_of "$dir" http_port); fi
    ports=$(pick_ports "${http:-0}" "$strict" "${prev_tcp:-0}" "$([ -n "${CH_TCP_PORT:-}" ] && echo 1 || echo 0)") || exit 1
    read -r http tcp <<<"$ports"
    mkdir -p "$dir"/{data,tmp,user_files,format_schemas,log}
    for f in config.xml users.xml; do
        sed -e "s|@DIR@|$dir|g" -e "s|@HTTP_PORT@|$http|g" -e "s|@TCP_PORT@|$tcp|g" \
            "$here/clickhouse/$f" >"$dir/$f"
    done
    # CH_LOG_QUERIES=1: the default profile logs every query to
    # system.query_log, which the replay on current ClickHouse reads (test.sh).
    if [ "${CH_LOG_QUERIES:-0}" = 1 ]; then
        mkdir -p "$dir/users.d"
        echo '<yandex><profiles><default><log_queries>1</log_queries></default></profiles></yandex>' \
            >"$dir/users.d/log_queries.xml"
    else
        rm -f "$dir/users.d/log_queries.xml"
    fi

    # --daemon forks and writes the pid file itself; 18.16 runs fine as root
    # or as an ordinary user (tested). Detach stdio so `$(... start ...)`
    # callers do not hang on the daemon's inherited pipe; close lock fd 9.
    url="http://127.0.0.1:$http"
    (cd "$dir" && clickhouse-server --config-file="$dir/config.xml" \
        --pid-file="$dir/clickhouse.pid" --daemon \
        </dev/null >>"$dir/log/stdout.log" 2>&1 9>&-) ||
        { tail -n 20 "$dir/log/stdout.log" >&2; die "clickhouse-server failed to start"; }
    wait_ready "$dir" "$url" || { cmd_stop "$dir" >/dev/null 2>&1; exit 1; }
    say "started server pid $(cat "$dir/clickhouse.pid") in $dir (native port $tcp)"
    echo "$url" >"$dir/url"
    echo "$url"
}

cmd_stop() {
    local dir pid i
    dir=$(absdir "$1")
    if ! pid=$(server_pid "$dir"); then
        rm -f "$dir/clickhouse.pid" "$dir/url"
        say "no server running in $dir"
        return 0
    fi
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 60; i++)); do   # up to 30 s for a clean shutdown
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.5
    done
    if kill -0 "$pid" 2>/dev/null; then
        say "pid $pid ignored TERM; killing"
        kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$dir/clickhouse.pid" "$dir/url"
    say "stopped server pid $pid in $dir"
}

cmd_url() {
    local dir url
    dir=$(absdir "$1")
    server_pid "$dir" >/dev/null || die "no server running in $dir"
    url="http://127.0.0.1:$(port_of "$dir" http_port)"
    ping_ok "$url" || die "server in $dir is not answering at $url"
    echo "$url"
}

cmd_client() {
    local dir port
    dir=$(absdir "$1"); shift
    port=$(port_of "$dir" tcp_port)
    [ -n "$port" ] || die "no config in $dir; run start first"
    exec clickhouse-client --host 127.0.0.1 --port "$port" "$@"
}

# A name that is safe as an XML element, a file name and a ClickHouse name.
plain_name() {
    case $1 in "" | [0-9]* | *[!A-Za-z0-9_]*) die "$2 must be letters, digits and _: '$1'" ;; esac
}

# The users.d file of the analyst user, on stdout: what analyst-user installs,
# and what scripts/compat/access.py loads into current ClickHouse.
cmd_analyst_xml() {
    local database=$1 user=$2 password=$3 hash
    plain_name "$database" DATABASE
    plain_name "$user" USER
    [ -n "$password" ] || die "PASSWORD must not be empty"
    hash=$(printf '%s' "$password" | sha256sum | cut -d' ' -f1)
    # readonly=1: no writes, no DDL, no table functions, and no setting may be
    # changed, so the limits below are the ones every query runs under.
    # Settings chiso's answer needs are part of the profile for the same reason.
    cat <<XML
<?xml version="1.0"?>
<!-- Written by scripts/clickhouse.sh analyst-user: chiso's analyst SQL endpoint. -->
<yandex>
    <profiles>
        <$user>
            <readonly>1</readonly>
            <max_execution_time>${CH_ANALYST_MAX_EXECUTION_TIME:-30}</max_execution_time>
            <timeout_overflow_mode>throw</timeout_overflow_mode>
            <max_memory_usage>${CH_ANALYST_MAX_MEMORY_USAGE:-1073741824}</max_memory_usage>
            <max_rows_to_read>${CH_ANALYST_MAX_ROWS_TO_READ:-100000000}</max_rows_to_read>
            <read_overflow_mode>throw</read_overflow_mode>
            <max_result_rows>${CH_ANALYST_MAX_RESULT_ROWS:-100000}</max_result_rows>
            <max_result_bytes>${CH_ANALYST_MAX_RESULT_BYTES:-50000000}</max_result_bytes>
            <result_overflow_mode>throw</result_overflow_mode>
            <max_concurrent_queries_for_user>${CH_ANALYST_MAX_CONCURRENT:-4}</max_concurrent_queries_for_user>
            <max_threads>1</max_threads>
            <output_format_json_quote_64bit_integers>0</output_format_json_quote_64bit_integers>
        </$user>
    </profiles>
    <users>
        <$user>
            <password_sha256_hex>$hash</password_sha256_hex>
            <networks>
                <ip>::1</ip>
                <ip>127.0.0.1</ip>
            </networks>
            <profile>$user</profile>
            <quota>default</quota>
            <allow_databases>
                <database>$database</database>
            </allow_databases>
        </$user>
    </users>
</yandex>
XML
}

cmd_analyst_user() {
    local dir database=$2 user=$3 password=$4 url file tmp i
    dir=$(absdir "$1")
    url=$(cmd_url "$dir")
    mkdir -p "$dir/users.d"
    file=$dir/users.d/$user.xml
    tmp=$file.tmp
    cmd_analyst_xml "$database" "$user" "$password" >"$tmp"
    mv "$tmp" "$file"
    for ((i = 0; i < 60; i++)); do   # the server rereads users.d within a few seconds
        if python3 - "$url" "$user" "$password" <<'PY' 2>/dev/null; then
import sys, urllib.request
url, user, password = sys.argv[1:]
req = urllib.request.Request(url + "/?query=SELECT%201",
    headers={"X-ClickHouse-User": user, "X-ClickHouse-Key": password})
with urllib.request.urlopen(req, timeout=2) as r:
    sys.exit(0 if r.read().strip() == b"1" else 1)
PY
            say "analyst user $user (database $database) is ready"
            return 0
        fi
        sleep 0.25
    done
    die "user $user cannot log in 15 s after writing $file"
}

[ $# -ge 2 ] || die "usage: $0 start DIR [HTTP_PORT] | stop DIR | url DIR | client DIR [args...] | analyst-user DIR DATABASE USER PASSWORD | analyst-xml DATABASE USER PASSWORD"
cmd=$1; shift
case $cmd in
    start)  [ $# -le 2 ] || die "usage: $0 start DIR [HTTP_PORT]"; cmd_start "$@" ;;
    stop)   cmd_stop "$1" ;;
    url)    cmd_url "$1" ;;
    client) cmd_client "$@" ;;
    analyst-xml)
        [ $# -eq 3 ] || die "usage: $0 analyst-xml DATABASE USER PASSWORD"
        cmd_analyst_xml "$@" ;;
    analyst-user)
        [ $# -eq 4 ] || die "usage: $0 analyst-user DIR DATABASE USER PASSWORD"
        cmd_analyst_user "$@" ;;
    *)      die "unknown command: $cmd" ;;
esac
