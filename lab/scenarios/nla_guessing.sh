#!/bin/bash
# Password guessing against NLA: one client (rdpt-cli) tries many wrong passwords for one user
# against freerdp-shadow-cli with NLA and a SAM file (as shadow_nla.sh), then the right one.
# Each attempt is one `xfreerdp /auth-only` run (CredSSP only, no session: what password-guessing
# tools built on libfreerdp, e.g. hydra's rdp module, do), so the capture stays small.
# Both run under their own Xvfb.  Server certificate: issued by the lab CA.  Captured on the
# client's interface, tcp port 3389; key log of every attempt via the shim.
# Needs: freerdp2-shadow-x11, freerdp2-x11, xvfb, iproute2, ethtool, tcpdump, openssl, gcc.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
ONLY="${1:-}"
GUESSES="${RDPT_GUESSES:-50}"

topo_up
make_ca
make_cert good 10.0.2.2 "IP:10.0.2.2"
build_shim
CLIENT_DISPLAY=64; start_xvfb $CLIENT_DISPLAY
SERVER_DISPLAY=65; start_xvfb $SERVER_DISPLAY
mkdir -p "$WORK/home" "$WORK/shome/.config/freerdp/shadow"
cp "$CA_DIR/good.crt" "$WORK/shome/.config/freerdp/shadow/shadow.crt"
cp "$CA_DIR/good.key" "$WORK/shome/.config/freerdp/shadow/shadow.key"
# SAM file: user labuser, password labpass (NT hash = MD4 of the UTF-16LE password)
NT=$(printf 'labpass' | iconv -f ascii -t utf-16le | openssl dgst -md4 -provider legacy -provider default | awk '{print $NF}')
echo "labuser::aad3b435b51404eeaad3b435b51404ee:$NT:::" >"$WORK/sam"

# run_case NAME FINAL_PASSWORD   GUESSES wrong passwords (guess1..guessN), then FINAL_PASSWORD
#   (empty: none) - all from one client, one xfreerdp /auth-only run each, 0.2 s apart
run_case() {
    local name="$1" final="$2"
    [[ -n "$ONLY" && "$ONLY" != "$name" ]] && return 0
    log "case $name"
    rm -rf "$WORK/home/.config" "$OUT/$name.keys"
    bg_ns $SRV_NS shadow env HOME="$WORK/shome" DISPLAY=:$SERVER_DISPLAY \
        freerdp-shadow-cli /port:3389 /bind-address:$SRV_IP /sam-file:"$WORK/sam" +auth /sec:nla
    local spid=$LAST_PID
    wait_for 10 bash -c "ip netns exec $SRV_NS ss -ltn | grep -q ':3389 '" \
        || { log "shadow did not listen"; cat "$WORK/shadow.out" >&2; return 1; }
    capture_start $CLI_NS eth0 "$OUT/$name.pcap" "tcp port 3389"
    local cap=$CAP_PID
    local one="ip netns exec $CLI_NS env $(client_env "$OUT/$name.keys") timeout 10 xfreerdp /v:$SRV_IP /cert:deny /log-level:INFO /auth-only /sec:nla /u:labuser"
    local cmd="for i in \$(seq 1 $GUESSES); do $one /p:guess\$i; echo \"attempt \$i /p:guess\$i exit=\$?\"; sleep 0.2; done"
    [[ -n "$final" ]] && cmd+="; $one /p:$final; echo \"attempt final /p:$final exit=\$?\""
    record_client "$name" "$cmd"
    capture_stop "$cap"
    stop_pid "$spid"
    cp "$WORK/shadow.out" "$LOGS/$name.server.txt"
    prune_keys "$OUT/$name.keys"
}

run_case rdp-nla-password-guessing-shadow labpass
versions >"$LOGS/${ONLY:-nla_guessing}.versions"
