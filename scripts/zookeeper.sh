#!/usr/bin/env bash
# A private, loopback-only ZooKeeper (Debian's `zookeeper` package, standalone)
# for the cluster demo and tests. All state (config, data, pid, log) lives in
# DIR; the port is picked freely and kept across restarts of the same DIR.
#
#   scripts/zookeeper.sh start DIR [PORT]   # last stdout line = host:port
#   scripts/zookeeper.sh stop  DIR          # SIGTERM, then SIGKILL after 10 s
#   scripts/zookeeper.sh kill  DIR          # SIGKILL at once (failure tests)
#   scripts/zookeeper.sh addr  DIR          # exit 1 if not running
#
# Env: ZK_START_TIMEOUT (seconds, default 60). Sessions may last 1–60 s
# (min/maxSessionTimeout), so tests can use short leases.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

die() { echo "zookeeper.sh: $*" >&2; exit 1; }
say() { echo "zookeeper.sh: $*" >&2; }   # stdout is reserved for host:port

absdir() {
    case $1 in *[\<\>\&\|\\\"\'\ ]*) die "unsupported characters in DIR: $1" ;; esac
    [ "${2:-}" = create ] && mkdir -p "$1"
    [ -d "$1" ] || die "no such directory: $1"
    (cd "$1" && pwd)
}

port_of() { sed -n 's/^clientPort=\([0-9]*\)$/\1/p' "$1/zoo.cfg" 2>/dev/null || true; }

# PID of the server owning DIR, if alive; the command line must name DIR's
# config, so a reused pid of a stale pid file is not taken for it.
server_pid() {
    local pid
    pid=$(cat "$1/zookeeper.pid" 2>/dev/null) || return 1
    if [ -z "$pid" ] || ! kill -0 "$pid" 2>/dev/null; then return 1; fi
    tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null | grep -qxF -- "$1/zoo.cfg" || return 1
    echo "$pid"
}

# The four-letter word `ruok` answers `imok` once the server serves.
ruok() {
    python3 - "$1" <<'PY' 2>/dev/null
import socket, sys
with socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=2) as s:
    s.sendall(b"ruok")
    sys.exit(0 if s.recv(4) == b"imok" else 1)
PY
}

free_port() { # WANTED: the wanted port if free, else any free loopback port
    python3 - "$1" <<'PY'
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as ZooKeeper
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
PY
}

cmd_start() {
    local dir port pid deadline
    dir=$(absdir "$1" create)
    "$here/deps.sh" zookeeper >&2
    exec 9>"$dir/.start.lock"
    flock 9
    if pid=$(server_pid "$dir") && ruok "$(port_of "$dir")"; then
        say "reusing server pid $pid in $dir"
        echo "127.0.0.1:$(port_of "$dir")"
        return 0
    fi
    [ -n "${pid:-}" ] && cmd_stop "$dir"
    port=${2:-$(port_of "$dir")}
    port=$(free_port "${port:-0}")
    mkdir -p "$dir/data" "$dir/log"
    cat >"$dir/zoo.cfg" <<EOF
# Written by scripts/zookeeper.sh; rewritten at each start.
tickTime=500
dataDir=$dir/data
clientPort=$port
clientPortAddress=127.0.0.1
admin.enableServer=false
minSessionTimeout=1000
maxSessionTimeout=60000
4lw.commands.whitelist=ruok,srvr,mntr
autopurge.purgeInterval=1
EOF
    # Java straight from Debian's jar: zkServer.sh wants /etc and /var paths.
    (cd "$dir" && exec nohup java -Xmx256m -cp "/etc/zookeeper/conf:/usr/share/java/zookeeper.jar" \
        org.apache.zookeeper.server.ZooKeeperServerMain "$dir/zoo.cfg" \
        </dev/null >>"$dir/log/zookeeper.log" 2>&1 9>&-) &
    pid=$!
    echo "$pid" >"$dir/zookeeper.pid"
    deadline=$((SECONDS + ${ZK_START_TIMEOUT:-60}))
    while ((SECONDS < deadline)); do
        # Alive, by pid: until the subshell has exec'd java its command line
        # is still bash's, so server_pid would not know it yet.
        kill -0 "$pid" 2>/dev/null || { tail -n 20 "$dir/log/zookeeper.log" >&2; die "server in $dir exited"; }
        if ruok "$port"; then
            say "started server pid $(cat "$dir/zookeeper.pid") in $dir"
            echo "127.0.0.1:$port"
            return 0
        fi
        sleep 0.3
    done
    tail -n 20 "$dir/log/zookeeper.log" >&2
    cmd_stop "$dir"
    die "server in $dir did not answer on port $port"
}

cmd_stop() {
    local dir pid
    dir=$(absdir "$1")
    pid=$(server_pid "$dir") || { rm -f "$dir/zookeeper.pid"; return 0; }
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$dir/zookeeper.pid"
    say "stopped server pid $pid in $dir"
}

cmd_kill() {
    local dir pid
    dir=$(absdir "$1")
    pid=$(server_pid "$dir") || return 0
    kill -9 "$pid"
    say "killed server pid $pid in $dir"
}

cmd_addr() {
    local dir
    dir=$(absdir "$1")
    server_pid "$dir" >/dev/null && ruok "$(port_of "$dir")" || exit 1
    echo "127.0.0.1:$(port_of "$dir")"
}

case ${1:-} in
start) [ $# -ge 2 ] || die "usage: start DIR [PORT]"; cmd_start "$2" "${3:-}" ;;
stop) [ $# -eq 2 ] || die "usage: stop DIR"; cmd_stop "$2" ;;
kill) [ $# -eq 2 ] || die "usage: kill DIR"; cmd_kill "$2" ;;
addr) [ $# -eq 2 ] || die "usage: addr DIR"; cmd_addr "$2" ;;
*) die "usage: $0 start|stop|kill|addr DIR" ;;
esac
