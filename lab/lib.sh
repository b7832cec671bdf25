# Common helpers for rdptriage lab scenarios. Source this file; do not run it.
# Every background process is recorded by PID and stopped by PID on exit; every namespace
# this lab creates is named rdpt-* and deleted on exit.
set -u

LAB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OUT="${RDPT_OUT:-$LAB_DIR/out}"
LOGS="$OUT/logs"
mkdir -p "$OUT" "$LOGS"
WORK="$(mktemp -d /tmp/rdpt-lab.XXXXXX)"
PIDS=()
NETNS_CREATED=()

log() { echo "[$(date -u +%H:%M:%S)] $*" >&2; }

# bg NAME CMD...   start CMD in background, remember its PID in PIDS and in $LAST_PID
bg() {
    local name="$1"; shift
    "$@" >"$WORK/$name.out" 2>&1 &
    LAST_PID=$!
    PIDS+=("$LAST_PID")
}

# bg_ns NS NAME CMD...   like bg but inside network namespace NS
bg_ns() {
    local ns="$1" name="$2"; shift 2
    ip netns exec "$ns" "$@" >"$WORK/$name.out" 2>&1 &
    LAST_PID=$!
    PIDS+=("$LAST_PID")
}

stop_pid() {
    local pid="$1"
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null
        for _ in 1 2 3 4 5 6 7 8 9 10; do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.2
        done
        kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
    fi
    wait "$pid" 2>/dev/null || true
}

cleanup() {
    local i
    for ((i=${#PIDS[@]}-1; i>=0; i--)); do stop_pid "${PIDS[$i]}"; done
    for ns in "${NETNS_CREATED[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
    rm -rf "$WORK"
}
trap cleanup EXIT

# wait_for TIMEOUT_S CMD...  poll CMD every 0.2 s until it succeeds, at most TIMEOUT_S seconds
wait_for() {
    local t="$1"; shift
    local n=$(( t * 5 ))
    while (( n-- > 0 )); do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.2
    done
    return 1
}

# capture_start [NS] IFACE FILE FILTER   tcpdump (immediate mode) into FILE; sets CAP_PID
capture_start() {
    local ns=""
    if [[ $# -eq 4 ]]; then ns="$1"; shift; fi
    local iface="$1" file="$2" filter="$3"
    rm -f "$file"
    if [[ -n "$ns" ]]; then
        ip netns exec "$ns" tcpdump -i "$iface" -n -U --immediate-mode -s 0 -w "$file" "$filter" \
            >"$WORK/tcpdump.$$.$RANDOM.log" 2>&1 &
    else
        tcpdump -i "$iface" -n -U --immediate-mode -s 0 -w "$file" "$filter" \
            >"$WORK/tcpdump.$$.$RANDOM.log" 2>&1 &
    fi
    CAP_PID=$!
    PIDS+=("$CAP_PID")
    wait_for 10 test -s "$file" || { log "tcpdump did not start for $file"; return 1; }
    sleep 0.3
}

capture_stop() {
    local pid="$1"
    sleep 0.5
    kill -INT "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null || true
}

# dumpcap_start NS IFACE FILE FILTER LOG   dumpcap (pcapng) inside namespace NS into FILE, its
# own messages in LOG; sets CAP_PID.  Stop it with dumpcap_stop (SIGINT): only a clean stop
# writes the Interface Statistics Block (isb_starttime, isb_endtime, isb_ifrecv, isb_ifdrop).
dumpcap_start() {
    local ns="$1" iface="$2" file="$3" filter="$4" dlog="$5"
    rm -f "$file"
    ip netns exec "$ns" dumpcap -i "$iface" -f "$filter" -n -w "$file" >"$dlog" 2>&1 &
    CAP_PID=$!
    PIDS+=("$CAP_PID")
    wait_for 10 grep -q "^Capturing on" "$dlog" || { log "dumpcap did not start for $file"; cat "$dlog" >&2; return 1; }
    sleep 0.3
}

# dumpcap_stop PID   SIGINT, then wait for dumpcap to write its ISB and exit; fails if it did not
# exit 0
dumpcap_stop() {
    local pid="$1" rc=0
    kill -INT "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null || rc=$?
    (( rc == 0 )) || log "dumpcap $pid exited $rc"
    return $rc
}

# record_client NAME CMDSTRING   run the client command (a shell string, already wrapped in
# `timeout`), store the command and its combined output next to the capture.
record_client() {
    local name="$1" cmd="$2"
    printf '%s\n' "$cmd" >"$LOGS/$name.cmd"
    set +e
    bash -c "$cmd" >"$LOGS/$name.client.txt" 2>&1
    local rc=$?
    set -e
    echo "exit=$rc" >>"$LOGS/$name.client.txt"
    log "$name: client exit $rc"
}

versions() {
    echo "openssl=$(openssl version | awk '{print $2}')"
    echo "tcpdump=$(tcpdump --version 2>&1 | awk 'NR==1{print $3}')"
    echo "tshark=$(tshark --version | awk 'NR==1{print $3}')"
    command -v xrdp >/dev/null && echo "xrdp=$(dpkg-query -W -f='${Version}' xrdp 2>/dev/null)"
    command -v xfreerdp >/dev/null && echo "freerdp=$(dpkg-query -W -f='${Version}' freerdp2-x11 2>/dev/null)"
    command -v freerdp-shadow-cli >/dev/null && echo "freerdp_shadow=$(dpkg-query -W -f='${Version}' freerdp2-shadow-x11 2>/dev/null)"
    echo "python3=$(/usr/bin/python3 -c 'import platform; print(platform.python_version())' 2>/dev/null || python3 -c 'import platform; print(platform.python_version())')"
    echo "kernel=$(uname -r)"
}

# drop a key log that holds no secrets (only comments), e.g. after a failed handshake
prune_keys() {
    local f="$1"
    [[ -f "$f" ]] || return 0
    grep -qv '^#' "$f" || rm -f "$f"
}

# ---------------------------------------------------------------------------------------------
# Three-namespace topology:  rdpt-cli (10.0.1.2) -- rdpt-rtr (10.0.1.1 | 10.0.2.1) -- rdpt-srv (10.0.2.2)
CLI_NS=rdpt-cli; RTR_NS=rdpt-rtr; SRV_NS=rdpt-srv
CLI_IP=10.0.1.2; RTR_CIP=10.0.1.1; RTR_SIP=10.0.2.1; SRV_IP=10.0.2.2

offloads_off() {   # NS IFACE : no TSO/GSO/GRO, so captures show wire-sized segments
    ip netns exec "$1" ethtool -K "$2" tso off gso off gro off tx off rx off >/dev/null 2>&1 || true
}

topo_up() {
    local ns
    for ns in $CLI_NS $RTR_NS $SRV_NS; do
        ip netns del "$ns" 2>/dev/null || true
        ip netns add "$ns"
        NETNS_CREATED+=("$ns")
        ip -n "$ns" link set lo up
    done
    ip link add rdpt-c type veth peer name rdpt-rc
    ip link set rdpt-c netns $CLI_NS
    ip link set rdpt-rc netns $RTR_NS
    ip link add rdpt-s type veth peer name rdpt-rs
    ip link set rdpt-s netns $SRV_NS
    ip link set rdpt-rs netns $RTR_NS
    ip -n $CLI_NS link set rdpt-c name eth0
    ip -n $SRV_NS link set rdpt-s name eth0
    ip -n $RTR_NS link set rdpt-rc name c0
    ip -n $RTR_NS link set rdpt-rs name s0
    ip -n $CLI_NS addr add $CLI_IP/24 dev eth0
    ip -n $RTR_NS addr add $RTR_CIP/24 dev c0
    ip -n $RTR_NS addr add $RTR_SIP/24 dev s0
    ip -n $SRV_NS addr add $SRV_IP/24 dev eth0
    for x in "$CLI_NS eth0" "$RTR_NS c0" "$RTR_NS s0" "$SRV_NS eth0"; do
        set -- $x
        ip -n "$1" link set "$2" up
        offloads_off "$1" "$2"
    done
    ip -n $CLI_NS route add default via $RTR_CIP
    ip -n $SRV_NS route add default via $RTR_SIP
    ip netns exec $RTR_NS sysctl -qw net.ipv4.ip_forward=1
    # no IPv6 chatter (router solicitations etc.) in the captures
    for ns in $CLI_NS $RTR_NS $SRV_NS; do
        ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 || true
    done
    true
}

# ---------------------------------------------------------------------------------------------
# TLS material: a lab CA and server certificates.  CA_DIR holds ca.crt (the client trusts
# only this, via SSL_CERT_FILE / SSL_CERT_DIR pointing at it).
make_ca() {
    CA_DIR="$WORK/ca"; mkdir -p "$CA_DIR"
    faketime -f "-400d" openssl req -x509 -newkey rsa:2048 -nodes -keyout "$CA_DIR/ca.key" \
        -out "$CA_DIR/ca.crt" -days 3650 -subj "/CN=rdptriage lab CA" 2>/dev/null
    mkdir -p "$CA_DIR/certs"; cp "$CA_DIR/ca.crt" "$CA_DIR/certs/"
    openssl rehash "$CA_DIR/certs" 2>/dev/null || c_rehash "$CA_DIR/certs" >/dev/null 2>&1 || true
}

# make_cert NAME CN SAN_IP [FAKETIME_OFFSET DAYS]  -> $CA_DIR/NAME.crt, NAME.key signed by the CA
make_cert() {
    local name="$1" cn="$2" san="$3" off="${4:-}" days="${5:-365}"
    openssl req -newkey rsa:2048 -nodes -keyout "$CA_DIR/$name.key" -out "$CA_DIR/$name.csr" \
        -subj "/CN=$cn" 2>/dev/null
    printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth\n' "$san" >"$CA_DIR/$name.ext"
    if [[ -n "$off" ]]; then
        faketime -f "$off" openssl x509 -req -in "$CA_DIR/$name.csr" -CA "$CA_DIR/ca.crt" \
            -CAkey "$CA_DIR/ca.key" -CAcreateserial -days "$days" -extfile "$CA_DIR/$name.ext" \
            -out "$CA_DIR/$name.crt" 2>/dev/null
    else
        openssl x509 -req -in "$CA_DIR/$name.csr" -CA "$CA_DIR/ca.crt" -CAkey "$CA_DIR/ca.key" \
            -CAcreateserial -days "$days" -extfile "$CA_DIR/$name.ext" -out "$CA_DIR/$name.crt" 2>/dev/null
    fi
}

# make_selfsigned NAME CN SAN
make_selfsigned() {
    local name="$1" cn="$2" san="$3"
    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$CA_DIR/$name.key" -out "$CA_DIR/$name.crt" \
        -days 365 -subj "/CN=$cn" -addext "subjectAltName=$san" 2>/dev/null
}

# ---------------------------------------------------------------------------------------------
# Key-log shim for OpenSSL 3 programs (xfreerdp, xrdp): see keylog/keylog_shim.c
build_shim() {
    SHIM="$WORK/keylog_shim.so"
    gcc -shared -fPIC -O2 -o "$SHIM" "$LAB_DIR/keylog/keylog_shim.c" -ldl
}

# Xvfb on display :N (the X socket lives in /tmp/.X11-unix, reachable from every namespace)
start_xvfb() {   # N
    local n="$1"
    rm -f "/tmp/.X$n-lock" "/tmp/.X11-unix/X$n"
    bg "xvfb$n" Xvfb ":$n" -nolisten tcp -noreset -screen 0 1024x768x24
    wait_for 10 test -S "/tmp/.X11-unix/X$n" || { log "Xvfb :$n did not start"; return 1; }
}

# ---------------------------------------------------------------------------------------------
# xrdp instance inside the server namespace.  write_xrdp_ini FILE KEY=VALUE... overrides Globals.
write_xrdp_ini() {
    local file="$1"; shift
    python3 - "$file" "$WORK" "$@" <<'PY'
import sys
out, work, kv = sys.argv[1], sys.argv[2], dict(a.split("=", 1) for a in sys.argv[3:])
g = {"ini_version": "1", "fork": "false", "port": "3389", "use_vsock": "false",
     "tcp_nodelay": "true", "tcp_keepalive": "true", "security_layer": "tls",
     "crypt_level": "high", "certificate": "", "key_file": "",
     "ssl_protocols": "TLSv1.2, TLSv1.3", "autorun": "", "allow_channels": "true",
     "max_bpp": "32", "new_cursors": "true", "use_fastpath": "both"}
g.update(kv)
with open(out, "w") as f:
    f.write("[Globals]\n")
    for k, v in g.items():
        f.write("%s=%s\n" % (k, v))
    f.write("\n[Logging]\nLogFile=%s/xrdp.log\nLogLevel=DEBUG\nEnableSyslog=false\n" % work)
    f.write("EnableConsole=true\nConsoleLevel=DEBUG\n")
    f.write("\n[Channels]\nrdpdr=true\nrdpsnd=true\ndrdynvc=true\ncliprdr=true\nrail=true\n")
    f.write("\n[Xorg]\nname=Xorg\nlib=libxup.so\nusername=ask\npassword=ask\nip=127.0.0.1\nport=-1\ncode=20\n")
PY
}

start_xrdp() {   # INI [extra env for key log]
    local ini="$1"
    bg_ns $SRV_NS xrdp env ${XRDP_ENV:-} xrdp --nodaemon --config "$ini"
    XRDP_PID=$LAST_PID
    wait_for 10 bash -c "ip netns exec $SRV_NS ss -ltn | grep -q ':3389 '" \
        || { log "xrdp did not listen"; cat "$WORK/xrdp.out" >&2; return 1; }
}

# client_env: environment for xfreerdp (trust only the lab CA, key log via shim)
client_env() {   # KEYLOGFILE
    echo "DISPLAY=:$CLIENT_DISPLAY HOME=$WORK/home SSL_CERT_FILE=$CA_DIR/ca.crt SSL_CERT_DIR=$CA_DIR/certs RDPT_KEYLOG=$1 LD_PRELOAD=$SHIM"
}
