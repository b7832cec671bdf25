#!/bin/bash
# Network-path failures between xfreerdp (rdpt-cli) and xrdp (rdpt-srv, TLS security, lab-CA
# certificate), produced on the router namespace (rdpt-rtr) with iptables / interface MTU.
# Captured on the client's interface (and on the server's where it shows something else).
# Needs: xrdp, freerdp2-x11, xvfb, iproute2, iptables, ethtool, tcpdump, openssl, gcc.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
ONLY="${1:-}"

topo_up
make_ca
make_cert good 10.0.2.2 "IP:10.0.2.2"
# a long chain for the MTU case: root (the lab CA) -> 3 intermediates with 4096-bit keys -> leaf
make_chain() {
    local parent=ca i
    cp "$CA_DIR/ca.crt" "$CA_DIR/chain0.crt"; cp "$CA_DIR/ca.key" "$CA_DIR/chain0.key"
    for i in 1 2 3; do
        openssl req -newkey rsa:4096 -nodes -keyout "$CA_DIR/chain$i.key" -out "$CA_DIR/chain$i.csr" \
            -subj "/O=rdptriage lab/OU=intermediate $i, padded to make the chain larger than one MTU/CN=rdptriage lab intermediate CA $i" 2>/dev/null
        printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n' >"$CA_DIR/chain$i.ext"
        openssl x509 -req -in "$CA_DIR/chain$i.csr" -CA "$CA_DIR/chain$((i-1)).crt" -CAkey "$CA_DIR/chain$((i-1)).key" \
            -CAcreateserial -days 365 -extfile "$CA_DIR/chain$i.ext" -out "$CA_DIR/chain$i.crt" 2>/dev/null
    done
    openssl req -newkey rsa:4096 -nodes -keyout "$CA_DIR/bigleaf.key" -out "$CA_DIR/bigleaf.csr" -subj "/CN=10.0.2.2" 2>/dev/null
    printf 'subjectAltName=IP:10.0.2.2\nextendedKeyUsage=serverAuth\n' >"$CA_DIR/bigleaf.ext"
    openssl x509 -req -in "$CA_DIR/bigleaf.csr" -CA "$CA_DIR/chain3.crt" -CAkey "$CA_DIR/chain3.key" \
        -CAcreateserial -days 365 -extfile "$CA_DIR/bigleaf.ext" -out "$CA_DIR/bigleaf.crt" 2>/dev/null
    cat "$CA_DIR/bigleaf.crt" "$CA_DIR/chain3.crt" "$CA_DIR/chain2.crt" "$CA_DIR/chain1.crt" >"$CA_DIR/bigchain.pem"
}
make_chain
build_shim
CLIENT_DISPLAY=66; start_xvfb $CLIENT_DISPLAY
mkdir -p "$WORK/home"
C=$CA_DIR
rtr() { ip netns exec $RTR_NS "$@"; }
FWD_PID=""
router_reset() {
    rtr iptables -F; rtr iptables -F -t mangle
    rtr ip link set c0 mtu 1500
    if [[ -n "$FWD_PID" ]]; then
        stop_pid "$FWD_PID"; FWD_PID=""
        cp "$WORK/forwarder.out" "$LOGS/$CUR_CASE.router.txt" || true
        cat "$WORK/forwarder.out" >&2 || true
    fi
    rtr sysctl -qw net.ipv4.ip_forward=1
}

# run_case NAME CLIENT_TIMEOUT "CLIENT ARGS" SERVER_MODE SETUP_FN DURING_FN SERVER_SIDE_CAPTURE
#   SERVER_MODE: xrdp | xrdp-big (long chain) | none (nothing listens) | xrdp-stopped (SIGSTOP)
#   SERVER_SIDE_CAPTURE: no | yes (tcpdump on the server's eth0 into NAME-server.pcap, stopped
#     with the client-side capture) | dumpcap:N (dumpcap on the server's eth0 into
#     NAME-server.pcapng, kept running N s after the client exited, xrdp still up, then stopped
#     with SIGINT so that it writes its Interface Statistics Block with isb_endtime; the run's
#     client command/output, xrdp output, dumpcap messages and versions are also stored as
#     logs/NAME-server.*)
run_case() {
    local name="$1" tmo="$2" cargs="$3" mode="$4" setup="$5" during="$6" srvcap="$7"
    [[ -n "$ONLY" && "$ONLY" != "$name" ]] && return 0
    log "case $name"
    rm -rf "$WORK/home/.config" "$OUT/$name.keys"
    router_reset
    CUR_CASE=$name
    local xpid=""
    case "$mode" in
        xrdp|xrdp-stopped)
            write_xrdp_ini "$WORK/$name.ini" security_layer=tls certificate=$C/good.crt key_file=$C/good.key
            start_xrdp "$WORK/$name.ini"; xpid=$XRDP_PID ;;
        xrdp-big)
            write_xrdp_ini "$WORK/$name.ini" security_layer=tls certificate=$C/bigchain.pem \
                key_file=$C/bigleaf.key ssl_protocols=TLSv1.2
            start_xrdp "$WORK/$name.ini"; xpid=$XRDP_PID ;;
        none) ;;
    esac
    [[ "$mode" == xrdp-stopped ]] && kill -STOP "$xpid"
    $setup
    # CAPIF=any records the client namespace's "any" pseudo-interface (Linux cooked capture,
    # LINUX_SLL2); CAPLT=LINUX_SLL forces the older cooked header
    if [[ -n "${CAPLT:-}" ]]; then
        local f="$OUT/$name.pcap"; rm -f "$f"
        ip netns exec $CLI_NS tcpdump -i "${CAPIF:-eth0}" -y "$CAPLT" -n -U --immediate-mode -s 0 \
            -w "$f" "tcp port 3389 or icmp" >"$WORK/tcpdump.$name.log" 2>&1 &
        CAP_PID=$!; PIDS+=("$CAP_PID")
        wait_for 10 test -s "$f"; sleep 0.3
    else
        capture_start $CLI_NS "${CAPIF:-eth0}" "$OUT/$name.pcap" "tcp port 3389 or icmp"
    fi
    local cap=$CAP_PID scap="" linger=""
    case "$srvcap" in
        yes)
            capture_start $SRV_NS eth0 "$OUT/$name-server.pcap" "tcp port 3389 or icmp"
            scap=$CAP_PID ;;
        dumpcap:*)
            linger=${srvcap#dumpcap:}
            dumpcap_start $SRV_NS eth0 "$OUT/$name-server.pcapng" "tcp port 3389 or icmp" \
                "$LOGS/$name-server.dumpcap.txt"
            scap=$CAP_PID ;;
    esac
    local cmd="ip netns exec $CLI_NS env $(client_env "$OUT/$name.keys") timeout $tmo xfreerdp /v:$SRV_IP /u:labuser /cert:deny /log-level:INFO /size:320x240 /bpp:16 $cargs"
    record_client "$name" "$cmd" &
    local rc_pid=$!
    $during
    wait $rc_pid || true
    local t_exit=$EPOCHREALTIME
    capture_stop "$cap"
    if [[ -n "$linger" ]]; then
        # the server-side view after the client gave up: keep dumpcap (and xrdp) running until
        # $linger s after the client's exit, then stop dumpcap cleanly
        sleep "$(awk -v a="$t_exit" -v b="$EPOCHREALTIME" -v n="$linger" \
            'BEGIN { d = a + n - b; printf "%.3f", (d > 0 ? d : 0) }')"
        log "$name: stopping the server-side dumpcap, $(awk -v a="$t_exit" -v b="$EPOCHREALTIME" \
            'BEGIN { printf "%.3f", b - a }') s after the client exited"
        dumpcap_stop "$scap"
        cp "$LOGS/$name.cmd" "$LOGS/$name-server.cmd"
        cp "$LOGS/$name.client.txt" "$LOGS/$name-server.client.txt"
        { versions; echo "dumpcap=$(dumpcap --version 2>/dev/null | awk 'NR==1{print $3}')"; } >"$LOGS/$name-server.versions"
    elif [[ -n "$scap" ]]; then
        capture_stop "$scap"
    fi
    if [[ -n "$xpid" ]]; then
        kill -CONT "$xpid" 2>/dev/null || true
        stop_pid "$xpid"
        cp "$WORK/xrdp.out" "$LOGS/$name.server.txt"
        if [[ -n "$linger" ]]; then cp "$WORK/xrdp.out" "$LOGS/$name-server.server.txt"; fi
    fi
    prune_keys "$OUT/$name.keys"
    router_reset
}
nothing() { :; }
drop_syn() { rtr iptables -A FORWARD -p tcp --dport 3389 --syn -j DROP; }
icmp_admin() { rtr iptables -A FORWARD -p tcp --dport 3389 -j REJECT --reject-with icmp-admin-prohibited; }
icmp_port_unreach() { rtr iptables -A FORWARD -p tcp --dport 3389 -j REJECT --reject-with icmp-port-unreachable; }
# firewall answering the SYN with a TCP RST in the server's name (looks like a closed port)
syn_reset() { rtr iptables -A FORWARD -p tcp --dport 3389 --syn -j REJECT --reject-with tcp-reset; }
# forged RST mid-handshake: the router drops the TLS ClientHello (first record 16 03 01) and answers
# the client with a TCP RST in the server's name
rst_clienthello() {
    rtr iptables -A FORWARD -p tcp --dport 3389 -m string --algo bm --hex-string '|16 03 01|' \
        -j REJECT --reject-with tcp-reset
}
# forged RSTs mid-session: 2.5 s into the session the router starts answering every packet of the
# flow, in both directions, with a TCP RST in the peer's name
rst_later() {
    sleep 2.5
    rtr iptables -A FORWARD -p tcp --dport 3389 -j REJECT --reject-with tcp-reset
    rtr iptables -A FORWARD -p tcp --sport 3389 -j REJECT --reject-with tcp-reset
}
# path-MTU black hole: router's client-side link has MTU 1000 and the router's
# fragmentation-needed messages are dropped before they leave it
mtu_blackhole() {
    rtr ip link set c0 mtu 1000
    rtr iptables -A OUTPUT -p icmp --icmp-type fragmentation-needed -j DROP
}
# path-MTU discovery that works: the same MTU-1000 link, but the router's ICMP
# fragmentation-needed (type 3 code 4, next-hop MTU 1000) reaches the server, which lowers its
# path MTU and re-sends the certificate flight in smaller segments.  The server's cached path MTU
# is flushed first so the ICMP is in the capture.
mtu_icmp_ok() {
    rtr ip link set c0 mtu 1000
    ip -n $SRV_NS route flush cache
    rtr ip route flush cache
}

# lossy, high-latency path: kernel forwarding off on the router, a user-space forwarder
# (tools/lossy_forwarder.py) relays IPv4 with LOSSY_DELAY_MS one-way delay and LOSSY_LOSS loss
lossy_path() {
    rtr sysctl -qw net.ipv4.ip_forward=0
    local cmac smac
    cmac=$(ip netns exec $CLI_NS cat /sys/class/net/eth0/address)
    smac=$(ip netns exec $SRV_NS cat /sys/class/net/eth0/address)
    bg_ns $RTR_NS forwarder ${PY:-python3} "$LAB_DIR/tools/lossy_forwarder.py" --a c0 --a-peer-mac "$cmac" \
        --b s0 --b-peer-mac "$smac" --delay-ms "${LOSSY_DELAY_MS:-300}" --loss "${LOSSY_LOSS:-0.2}" \
        --seed "${LOSSY_SEED:-1}" --lifetime 60
    FWD_PID=$LAST_PID
    sleep 1
}
PY=/usr/bin/python3; [[ -x $PY ]] || PY=python3

run_case rdp-port-closed 15 "/sec:tls" none nothing nothing no
run_case rdp-syn-dropped 12 "/sec:tls" xrdp drop_syn nothing no
run_case rdp-icmp-admin-prohibited 15 "/sec:tls" xrdp icmp_admin nothing no
run_case rdp-icmp-port-unreachable 15 "/sec:tls" xrdp icmp_port_unreach nothing no
run_case rdp-syn-reset-by-firewall 15 "/sec:tls" xrdp syn_reset nothing no
run_case rdp-rst-mid-handshake 15 "/sec:tls" xrdp rst_clienthello nothing dumpcap:10
CAPIF=any run_case rdp-rst-mid-handshake-sll2 15 "/sec:tls" xrdp rst_clienthello nothing no
CAPIF=any CAPLT=LINUX_SLL run_case rdp-icmp-admin-prohibited-sll 15 "/sec:tls" xrdp icmp_admin nothing no
run_case rdp-rst-mid-session 8 "/sec:tls" xrdp nothing rst_later no
run_case rdp-hung-server 20 "/sec:tls" xrdp-stopped nothing nothing no
run_case rdp-mtu-blackhole 20 "/sec:tls" xrdp-big mtu_blackhole nothing yes
run_case rdp-pmtud-works 4 "/sec:tls /size:320x240 /bpp:16 +compression" xrdp-big mtu_icmp_ok nothing yes
run_case rdp-lossy-high-latency 20 "/sec:tls" xrdp lossy_path nothing no
# a one-case run keeps its versions apart, so the file of the other cases is not overwritten
versions >"$LOGS/${ONLY:-network}.versions"
