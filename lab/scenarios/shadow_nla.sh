#!/bin/bash
# freerdp-shadow-cli (server: NLA with a SAM file, real RDP_NEG_FAILURE codes) vs xfreerdp.
# Both run under their own Xvfb.  Server certificate: issued by the lab CA (the client trusts
# only that CA).  Captured on the client's interface, tcp port 3389; key log via the shim.
# Needs: freerdp2-shadow-x11, freerdp2-x11, xvfb, iproute2, ethtool, tcpdump, openssl, gcc.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
ONLY="${1:-}"

topo_up
make_ca
make_cert good 10.0.2.2 "IP:10.0.2.2"
build_shim
CLIENT_DISPLAY=64; start_xvfb $CLIENT_DISPLAY
SERVER_DISPLAY=65; start_xvfb $SERVER_DISPLAY; SERVER_XVFB=$LAST_PID
mkdir -p "$WORK/home" "$WORK/shome/.config/freerdp/shadow"
cp "$CA_DIR/good.crt" "$WORK/shome/.config/freerdp/shadow/shadow.crt"
cp "$CA_DIR/good.key" "$WORK/shome/.config/freerdp/shadow/shadow.key"
# SAM file: user labuser, password labpass (NT hash = MD4 of the UTF-16LE password)
NT=$(printf 'labpass' | iconv -f ascii -t utf-16le | openssl dgst -md4 -provider legacy -provider default | awk '{print $NF}')
echo "labuser::aad3b435b51404eeaad3b435b51404ee:$NT:::" >"$WORK/sam"

# run_case NAME CLIENT_TIMEOUT "SHADOW ARGS" "CLIENT ARGS"
run_case() {
    local name="$1" tmo="$2" sargs="$3" cargs="$4"
    [[ -n "$ONLY" && "$ONLY" != "$name" ]] && return 0
    log "case $name"
    rm -rf "$WORK/home/.config" "$OUT/$name.keys"
    # the server's Xvfb does not always survive a shadow server being stopped: restart if gone
    if ! kill -0 "$SERVER_XVFB" 2>/dev/null; then
        log "restarting Xvfb :$SERVER_DISPLAY"; cat "$WORK/xvfb$SERVER_DISPLAY.out" >&2 || true
        start_xvfb $SERVER_DISPLAY; SERVER_XVFB=$LAST_PID
    fi
    bg_ns $SRV_NS shadow env HOME="$WORK/shome" DISPLAY=:$SERVER_DISPLAY \
        freerdp-shadow-cli /port:3389 /bind-address:$SRV_IP /sam-file:"$WORK/sam" $sargs
    local spid=$LAST_PID
    wait_for 10 bash -c "ip netns exec $SRV_NS ss -ltn | grep -q ':3389 '" \
        || { log "shadow did not listen"; cat "$WORK/shadow.out" >&2; return 1; }
    capture_start $CLI_NS eth0 "$OUT/$name.pcap" "tcp port 3389"
    local cap=$CAP_PID
    record_client "$name" "ip netns exec $CLI_NS env $(client_env "$OUT/$name.keys") timeout $tmo xfreerdp /v:$SRV_IP /cert:deny /log-level:INFO /size:320x240 /bpp:16 $cargs"
    capture_stop "$cap"
    stop_pid "$spid"
    cp "$WORK/shadow.out" "$LOGS/$name.server.txt"
    prune_keys "$OUT/$name.keys"
}

run_case rdp-nla-healthy-shadow 4 "+auth /sec:nla" "/u:labuser /p:labpass /sec:nla"
run_case rdp-nla-wrong-password-shadow 15 "+auth /sec:nla" "/u:labuser /p:wrongpass /sec:nla"
# a user the SAM file does not know: FreeRDP 2.11's server fails the same way (the SAM lookup,
# like the password check, happens in CompleteAuthToken, whose failure sends no TSRequest)
run_case rdp-nla-unknown-user-shadow 15 "+auth /sec:nla" "/u:nosuchuser /p:labpass /sec:nla"
run_case rdp-neg-hybrid-required-shadow 15 "+auth /sec:nla" "/u:labuser /p:labpass /sec:rdp"
run_case rdp-neg-hybrid-required-tls-client-shadow 15 "+auth /sec:nla" "/u:labuser /p:labpass /sec:tls"
run_case rdp-neg-ssl-required-shadow 15 "/sec:tls" "/u:labuser /p:labpass /sec:rdp"
run_case rdp-neg-ssl-not-allowed-shadow 15 "/sec:rdp" "/u:labuser /p:labpass /sec:tls"
run_case rdp-neg-ext-only-server-shadow 15 "+auth /sec:ext" "/u:labuser /p:labpass /sec:ext"
run_case rdp-neg-tls-server-nla-client-shadow 15 "/sec:tls" "/u:labuser /p:labpass /sec:nla"
# a one-case run keeps its versions apart, so the file of the other cases is not overwritten
versions >"$LOGS/${ONLY:-shadow_nla}.versions"
