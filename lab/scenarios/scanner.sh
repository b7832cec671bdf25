#!/bin/bash
# A port scanner, not a user: nmap (Debian package) from the client namespace against
#   * xrdp (security_layer=negotiate, as xrdp.ini ships, lab-CA certificate): a SYN scan
#     `nmap -sS -p 3389,3390-3395`, then `nmap -p 3389 --script rdp-enum-encryption,rdp-ntlm-info`;
#   * freerdp-shadow-cli with NLA and a SAM file (as shadow_nla.sh): the same two runs
#     (rdp-ntlm-info needs a server that speaks CredSSP, which xrdp does not).
# Captured on the client's eth0 with `tcp portrange 3389-3395 or tcp port 80 or tcp port 443 or
# icmp` (nmap's host discovery: ICMP echo + timestamp, SYN to 443, ACK to 80).
# Needs: nmap, xrdp, freerdp2-shadow-x11, xvfb, iproute2, ethtool, tcpdump, openssl.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
ONLY="${1:-}"
FILTER="tcp portrange 3389-3395 or tcp port 80 or tcp port 443 or icmp"

topo_up
make_ca
make_cert good 10.0.2.2 "IP:10.0.2.2"
C=$CA_DIR
SCAN="ip netns exec $CLI_NS timeout 120 nmap -n -sS -p 3389,3390-3395 $SRV_IP; ip netns exec $CLI_NS timeout 120 nmap -n -p 3389 --script rdp-enum-encryption,rdp-ntlm-info $SRV_IP"

case_xrdp() {
    local name=rdp-scan-nmap-xrdp
    [[ -n "$ONLY" && "$ONLY" != "$name" ]] && return 0
    log "case $name"
    write_xrdp_ini "$WORK/$name.ini" security_layer=negotiate certificate=$C/good.crt key_file=$C/good.key
    start_xrdp "$WORK/$name.ini"
    capture_start $CLI_NS eth0 "$OUT/$name.pcap" "$FILTER"
    local cap=$CAP_PID
    record_client "$name" "$SCAN"
    capture_stop "$cap"
    stop_pid "$XRDP_PID"
    cp "$WORK/xrdp.out" "$LOGS/$name.server.txt"
}

case_shadow() {
    local name=rdp-scan-nmap-shadow
    [[ -n "$ONLY" && "$ONLY" != "$name" ]] && return 0
    log "case $name"
    local disp=68
    start_xvfb $disp
    mkdir -p "$WORK/shome/.config/freerdp/shadow"
    cp "$C/good.crt" "$WORK/shome/.config/freerdp/shadow/shadow.crt"
    cp "$C/good.key" "$WORK/shome/.config/freerdp/shadow/shadow.key"
    local nt
    nt=$(printf 'labpass' | iconv -f ascii -t utf-16le | openssl dgst -md4 -provider legacy -provider default | awk '{print $NF}')
    echo "labuser::aad3b435b51404eeaad3b435b51404ee:$nt:::" >"$WORK/sam"
    bg_ns $SRV_NS shadow env HOME="$WORK/shome" DISPLAY=:$disp \
        freerdp-shadow-cli /port:3389 /bind-address:$SRV_IP /sam-file:"$WORK/sam" +auth /sec:nla
    local spid=$LAST_PID
    wait_for 10 bash -c "ip netns exec $SRV_NS ss -ltn | grep -q ':3389 '" \
        || { log "shadow did not listen"; cat "$WORK/shadow.out" >&2; return 1; }
    capture_start $CLI_NS eth0 "$OUT/$name.pcap" "$FILTER"
    local cap=$CAP_PID
    record_client "$name" "$SCAN"
    capture_stop "$cap"
    stop_pid "$spid"
    cp "$WORK/shadow.out" "$LOGS/$name.server.txt"
}

case_xrdp
case_shadow
{ versions; echo "nmap=$(dpkg-query -W -f='${Version}' nmap 2>/dev/null)"; } >"$LOGS/${ONLY:-scanner}.versions"
