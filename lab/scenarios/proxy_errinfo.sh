#!/bin/bash
# A Set Error Info PDU from real software, and the server shutdown it relays.
#
# Neither server this lab runs sends Set Error Info of its own: xrdp 0.9.21 has its sender
# (xrdp_rdp_send_disconnect_reason) under `#if 0`, and a FreeRDP 2.11 server only sends
# rdp->errorInfo in freerdp_peer_close, which no FreeRDP server code sets - except the RDP proxy
# (server/proxy, not packaged by Debian, built from the Debian source by lab/proxy/build.sh):
# pf_client_on_error_info forwards whatever errorInfo the proxy's own client ends up with to the
# proxy's client as Set Error Info (freerdp_set_error_info + freerdp_send_error_info), and the
# proxy's close (peer->Close = freerdp_peer_close) sends Deactivate All, Set Error Info again and
# the Disconnect Provider Ultimatum.
#
# rdp-server-shutdown-xrdp: xfreerdp -> xrdp (TLS, login screen); 3 s into the session xrdp is
#   stopped with SIGTERM; xrdp's connection loop sees the termination event and ends with
#   libxrdp_disconnect: MCS Disconnect Provider Ultimatum (rn-user-requested), close_notify, FIN.
# rdp-set-error-info-proxy: xfreerdp -> freerdp-proxy (10.0.2.2:3389) -> xrdp (127.0.0.1:3389
#   in rdpt-srv; the 2.11 proxy always connects to port 3389 of its configured target); xrdp is
#   stopped the same way; the proxy's client maps xrdp's ultimatum (no Set Error Info) to
#   ERRINFO_LOGOFF_BY_USER 0x0000000C (libfreerdp rdp.c) and the proxy sends that to xfreerdp.
# rdp-proxy-target-down: the same proxy with nothing listening on its target: the proxy
#   activates the client, its own connection to 127.0.0.1:3389 is refused, and it closes the
#   client's connection (Deactivate All + Disconnect Provider Ultimatum; no Set Error Info, its
#   client has no errorInfo).
#   (A capture of the proxy <-> xrdp leg on rdpt-srv's lo was tried and dropped: tcpdump missed
#   a segment of the login-screen burst there in two runs, with and without lo MTU 1500.)
# Captured on the client's eth0 (tcp port 3389), key log via the shim.
# Needs: xrdp, freerdp2-x11, xvfb, iproute2, ethtool, tcpdump, openssl, gcc; lab/proxy/freerdp-proxy.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
ONLY="${1:-}"
PROXY_BIN="${FREERDP_PROXY:-$LAB_DIR/proxy/freerdp-proxy}"

# build the proxy from the Debian source package if it is not there yet
[[ -x "$PROXY_BIN" ]] || "$LAB_DIR/proxy/build.sh" || { log "cannot build $PROXY_BIN"; exit 1; }
topo_up
make_ca
make_cert good 10.0.2.2 "IP:10.0.2.2,IP:127.0.0.1"
build_shim
CLIENT_DISPLAY=69; start_xvfb $CLIENT_DISPLAY
mkdir -p "$WORK/home" "$WORK/proxy"
# the proxy reads server.crt / server.key from its working directory
cp "$CA_DIR/good.crt" "$WORK/proxy/server.crt"
cp "$CA_DIR/good.key" "$WORK/proxy/server.key"
cat >"$WORK/proxy/config.ini" <<INI
[Server]
Host = $SRV_IP
Port = 3389

[SessionCapture]
Enabled = FALSE

[Target]
UseLoadBalanceInfo = FALSE
Host = 127.0.0.1
Port = 3389

[Input]
Mouse = TRUE
Keyboard = TRUE

[Security]
ServerTlsSecurity = TRUE
ServerRdpSecurity = FALSE
ClientTlsSecurity = TRUE
ClientRdpSecurity = FALSE
ClientNlaSecurity = FALSE
ClientAllowFallbackToTls = TRUE

[Channels]
GFX = FALSE
DisplayControl = FALSE
Clipboard = FALSE
AudioOutput = FALSE
RemoteApp = FALSE
Passthrough = ""

[Clipboard]
TextOnly = FALSE
MaxTextLength = 0
INI

C=$CA_DIR
CARGS="/v:$SRV_IP /u:labuser /cert:deny /log-level:INFO /sec:tls /size:320x240 /bpp:16 +compression"

# run_case NAME VIA_PROXY(0|1) [TARGET_UP(1|0)]
run_case() {
    local name="$1" via="$2" up="${3:-1}"
    [[ -n "$ONLY" && "$ONLY" != "$name" ]] && return 0
    log "case $name"
    rm -rf "$WORK/home/.config" "$OUT/$name.keys"
    local xaddr=$SRV_IP ppid=""
    (( via )) && xaddr=127.0.0.1
    local xpid=""
    : >"$WORK/xrdp.out"
    if (( up )); then
        write_xrdp_ini "$WORK/$name.ini" security_layer=tls certificate=$C/good.crt \
            key_file=$C/good.key "port=tcp://$xaddr:3389"
        bg_ns $SRV_NS xrdp xrdp --nodaemon --config "$WORK/$name.ini"
        xpid=$LAST_PID
        wait_for 10 bash -c "ip netns exec $SRV_NS ss -ltn | grep -q '$xaddr:3389 '" \
            || { log "xrdp did not listen on $xaddr"; cat "$WORK/xrdp.out" >&2; return 1; }
    fi
    if (( via )); then
        # own HOME: the proxy's client keeps known_hosts2 there (target key pinned per run)
        rm -rf "$WORK/phome"; mkdir -p "$WORK/phome"
        bg_ns $SRV_NS proxy env HOME="$WORK/phome" \
            bash -c "cd '$WORK/proxy' && exec '$PROXY_BIN' config.ini"
        ppid=$LAST_PID
        wait_for 10 bash -c "ip netns exec $SRV_NS ss -ltn | grep -q '$SRV_IP:3389 '" \
            || { log "proxy did not listen"; cat "$WORK/proxy.out" >&2; return 1; }
    fi
    capture_start $CLI_NS eth0 "$OUT/$name.pcap" "tcp port 3389"
    local cap=$CAP_PID
    record_client "$name" "ip netns exec $CLI_NS env $(client_env "$OUT/$name.keys") timeout 15 xfreerdp $CARGS" &
    local rpid=$!
    PIDS+=("$rpid")
    if [[ -n "$xpid" ]]; then
        sleep 3
        log "$name: SIGTERM to xrdp ($xpid)"
        stop_pid "$xpid"
    fi
    wait "$rpid" 2>/dev/null || true
    capture_stop "$cap"
    [[ -n "$ppid" ]] && stop_pid "$ppid"
    (( up )) && cp "$WORK/xrdp.out" "$LOGS/$name.server.txt"
    if (( via )); then
        cp "$WORK/proxy.out" "$LOGS/$name.proxy.txt"
    fi
    prune_keys "$OUT/$name.keys"
}

run_case rdp-server-shutdown-xrdp 0
run_case rdp-set-error-info-proxy 1
run_case rdp-proxy-target-down 1 0
versions >"$LOGS/proxy_errinfo.versions"
