#!/bin/bash
# Build FreeRDP 2.11.7's RDP proxy (server/proxy, `freerdp-proxy`) from the Debian source package
# against the installed FreeRDP 2 libraries.  Debian 12 builds FreeRDP with -DWITH_PROXY=OFF, so
# there is no packaged proxy; its sources compile as they are (the only missing definition is
# FREERDP_PROXY_PLUGINDIR, which Debian removes from build-config.h; no plugins are used).
# Needs: deb-src entries for bookworm, dpkg-dev (apt-get source), freerdp2-dev, gcc.
# Output: lab/proxy/freerdp-proxy (not committed).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
SRC="${FREERDP_SRC:-}"
if [[ -z "$SRC" ]]; then
    tmp="$(mktemp -d /tmp/rdpt-freerdp-src.XXXXXX)"
    (cd "$tmp" && apt-get source -qq freerdp2 >/dev/null 2>&1)
    for d in "$tmp"/freerdp2-*/ "$tmp"/FreeRDP-*/; do [[ -d "$d" ]] && SRC="$d" && break; done
fi
P="$SRC/server/proxy"
[[ -f "$P/pf_server.c" ]] || { echo "no FreeRDP proxy sources under $SRC" >&2; exit 1; }
gcc -O1 -w -DFREERDP_PROXY_PLUGINDIR='"/nonexistent"' -I"$P" -I/usr/include/freerdp2 \
    -I/usr/include/winpr2 -o "$HERE/freerdp-proxy" "$P"/*.c \
    -lfreerdp-server2 -lfreerdp-client2 -lfreerdp2 -lwinpr2 -lpthread
echo "built $HERE/freerdp-proxy from $SRC" >&2
