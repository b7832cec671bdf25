#!/bin/bash
# Re-record every lab scenario.  Output goes to $RDPT_OUT (default lab/out/); pass
# RDPT_OUT=$PWD/samples to overwrite the shipped samples (then rebuild the manifest with
# lab/tools/build_manifest.py, which re-verifies every annotated key frame and fails loudly
# if a re-recording no longer shows it).
set -uo pipefail
LAB="$(cd "$(dirname "$0")" && pwd)"
export RDPT_OUT="${RDPT_OUT:-$LAB/out}"
[[ $EUID -eq 0 ]] || { echo "run as root (network namespaces, tcpdump)" >&2; exit 1; }
SCENARIOS=(
    openssl_loopback.sh
    xrdp_tls.sh
    xrdp_by_name.sh
    shadow_nla.sh
    shadow_tls_auth.sh
    xrdp_session.sh
    proxy_errinfo.sh
    network.sh
    gateway.sh
    ipv6_loopback.sh
    no_rdp_loopback.sh
    nla_guessing.sh
    health_probes.sh
    scanner.sh
    xrdp_more_sessions.sh
)
fail=0
for s in "${SCENARIOS[@]}"; do
    echo "=== $s" >&2
    if ! timeout 300 bash "$LAB/scenarios/$s"; then
        echo "!!! $s failed" >&2
        fail=1
    fi
done
exit $fail
