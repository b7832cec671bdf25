#!/usr/bin/env python3
"""A small RD Gateway stand-in (HTTP transport, legacy two-channel mode) for the lab.

It is NOT a gateway implementation: it accepts any NTLM AUTHENTICATE without checking it.
It does just enough of [MS-TSGU] for FreeRDP's `/g:` client to set up a tunnel and relay the
inner RDP connection to the target named in CHANNEL_CREATE.  TLS key log via Python's ssl
`keylog_filename`.

  rdg_standin.py --listen 10.0.2.2:443 --cert C --key K --keylog F --mode correct|no-content-length

mode correct            : 401 answers carry an HTML body and Content-Length.
mode no-content-length  : the same 401 answers carry the same body but no Content-Length (and no
                          chunked encoding) -- the HTTP framing error under test.
mode deny-auth          : the NTLM AUTHENTICATE leg is answered with a final 401 (credentials
                          "rejected"), with Content-Length.
In every mode, if the target named in CHANNEL_CREATE cannot be reached, CHANNEL_RESPONSE
carries errorCode E_PROXY_TS_CONNECTFAILED (HRESULT 0x800759DD).
Every socket has a timeout; the process is meant to be stopped by PID.
"""
import argparse
import base64
import os
import socket
import ssl
import struct
import sys
import threading
import time

PKT_HANDSHAKE_REQUEST, PKT_HANDSHAKE_RESPONSE = 0x1, 0x2
PKT_TUNNEL_CREATE, PKT_TUNNEL_RESPONSE = 0x4, 0x5
PKT_TUNNEL_AUTH, PKT_TUNNEL_AUTH_RESPONSE = 0x6, 0x7
PKT_CHANNEL_CREATE, PKT_CHANNEL_RESPONSE = 0x8, 0x9
PKT_DATA, PKT_KEEPALIVE, PKT_CLOSE_CHANNEL, PKT_CLOSE_CHANNEL_RESPONSE = 0xA, 0xD, 0x10, 0x11

BODY_401 = (b"<html><head><title>401 - Unauthorized</title></head><body>"
            b"<h1>401 - Unauthorized: Access is denied due to invalid credentials.</h1>"
            b"</body></html>\r\n")


def log(*a):
    print(time.strftime("%H:%M:%S"), *a, file=sys.stderr, flush=True)


def ntlm_challenge():
    """A syntactically valid NTLM CHALLENGE_MESSAGE (type 2) with a target-info block."""
    def av(t, v):
        return struct.pack("<HH", t, len(v)) + v
    dom = "LAB".encode("utf-16le")
    host = "RDGW".encode("utf-16le")
    ts = struct.pack("<Q", int((time.time() + 11644473600) * 10000000))
    tinfo = av(2, dom) + av(1, host) + av(4, "lab.test".encode("utf-16le")) + \
        av(3, "rdgw.lab.test".encode("utf-16le")) + av(7, ts) + av(0, b"")
    flags = 0xE2898215  # unicode, request target, NTLM, always sign, target type domain,
                        # extended session security, target info, version, 128, key exch, 56
    hdr_len = 56
    target_off = hdr_len
    tinfo_off = target_off + len(dom)
    msg = b"NTLMSSP\x00" + struct.pack("<I", 2)
    msg += struct.pack("<HHI", len(dom), len(dom), target_off)
    msg += struct.pack("<I", flags)
    msg += os.urandom(8) + b"\x00" * 8
    msg += struct.pack("<HHI", len(tinfo), len(tinfo), tinfo_off)
    msg += bytes([10, 0]) + struct.pack("<H", 19041) + b"\x00\x00\x00\x0f"
    return msg + dom + tinfo


class Conn:
    def __init__(self, sock):
        self.s = sock
        self.buf = b""

    def read_until(self, marker, limit=65536):
        while marker not in self.buf:
            d = self.s.recv(16384)
            if not d:
                raise EOFError
            self.buf += d
            if len(self.buf) > limit:
                raise ValueError("too long")
        i = self.buf.index(marker) + len(marker)
        out, self.buf = self.buf[:i], self.buf[i:]
        return out

    def read_n(self, n):
        while len(self.buf) < n:
            d = self.s.recv(16384)
            if not d:
                raise EOFError
            self.buf += d
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def read_request(self):
        head = self.read_until(b"\r\n\r\n").decode("latin-1")
        lines = head.split("\r\n")
        method, uri, _ = lines[0].split(" ", 2)
        hdrs = {}
        for l in lines[1:]:
            if ":" in l:
                k, v = l.split(":", 1)
                hdrs[k.strip().lower()] = v.strip()
        return method, uri, hdrs

    def read_chunk(self):
        line = self.read_until(b"\r\n")
        n = int(line.strip().split(b";")[0], 16)
        data = self.read_n(n)
        self.read_n(2)
        return data


class Tunnel:
    def __init__(self):
        self.out = None
        self.out_ready = threading.Event()
        self.lock = threading.Lock()
        self.target = None

    def send(self, ptype, body):
        pkt = struct.pack("<HHI", ptype, 0, 8 + len(body)) + body
        with self.lock:
            self.out.sendall(pkt)


TUNNELS = {}
TUNNELS_LOCK = threading.Lock()


def tunnel_for(cid):
    with TUNNELS_LOCK:
        return TUNNELS.setdefault(cid, Tunnel())


def http_401(mode, with_challenge):
    h = "HTTP/1.1 401 Unauthorized\r\nServer: Microsoft-IIS/10.0\r\nContent-Type: text/html\r\n"
    if with_challenge:
        h += "WWW-Authenticate: NTLM %s\r\n" % base64.b64encode(ntlm_challenge()).decode()
    else:
        h += "WWW-Authenticate: Negotiate\r\nWWW-Authenticate: NTLM\r\n"
    if mode != "no-content-length":
        h += "Content-Length: %d\r\n" % len(BODY_401)
    h += "\r\n"
    return h.encode() + BODY_401


def authenticate(c, mode, method, hdrs):
    """NTLM legs: answer until the client sends an AUTHENTICATE (type 3) token."""
    for _ in range(4):
        auth = hdrs.get("authorization", "")
        token = b""
        if auth.upper().startswith("NTLM "):
            try:
                token = base64.b64decode(auth[5:])
            except Exception:
                token = b""
        mtype = struct.unpack("<I", token[8:12])[0] if len(token) >= 12 else 0
        log(method, "auth leg, NTLM message type", mtype)
        if mtype == 3:
            if mode == "deny-auth":
                c.s.sendall(http_401("correct", with_challenge=False))
                log(method, "AUTHENTICATE rejected (deny-auth mode)")
                return False
            return True
        c.s.sendall(http_401(mode, with_challenge=(mtype == 1)))
        method, _, hdrs = c.read_request()
    return False


def relay_target(t):
    try:
        while True:
            d = t.target.recv(16000)
            if not d:
                break
            t.send(PKT_DATA, struct.pack("<H", len(d)) + d)
    except (OSError, EOFError):
        pass
    log("target closed")
    try:
        t.send(PKT_CLOSE_CHANNEL, struct.pack("<I", 0))
    except OSError:
        pass


def handle_in(c, t):
    """Client -> gateway RDG packets, chunked, on the IN channel."""
    pending = b""
    while True:
        chunk = c.read_chunk()
        if not chunk:
            break
        pending += chunk
        while len(pending) >= 8:
            ptype, _, plen = struct.unpack("<HHI", pending[:8])
            if len(pending) < plen:
                break
            body, pending = pending[8:plen], pending[plen:]
            if not t.out_ready.wait(10):
                raise EOFError("no OUT channel")
            if ptype == PKT_HANDSHAKE_REQUEST:
                log("HANDSHAKE_REQUEST")
                t.send(PKT_HANDSHAKE_RESPONSE, struct.pack("<IBBHH", 0, 1, 0, 0, 0))
            elif ptype == PKT_TUNNEL_CREATE:
                log("TUNNEL_CREATE")
                t.send(PKT_TUNNEL_RESPONSE, struct.pack("<HIHH", 0, 0, 0, 0))
            elif ptype == PKT_TUNNEL_AUTH:
                log("TUNNEL_AUTH")
                t.send(PKT_TUNNEL_AUTH_RESPONSE, struct.pack("<IHH", 0, 0, 0))
            elif ptype == PKT_CHANNEL_CREATE:
                nres, nalt, port, proto, slen = struct.unpack("<BBHHH", body[:8])
                host = body[8:8 + slen].decode("utf-16le").rstrip("\x00")
                log("CHANNEL_CREATE", host, port)
                try:
                    t.target = socket.create_connection((host, port), timeout=10)
                except OSError as e:
                    log("target connect failed:", e)
                    t.send(PKT_CHANNEL_RESPONSE, struct.pack("<IHH", 0x800759DD, 0, 0))
                    continue
                t.target.settimeout(60)
                t.send(PKT_CHANNEL_RESPONSE, struct.pack("<IHHI", 0, 1, 0, 1))
                threading.Thread(target=relay_target, args=(t,), daemon=True).start()
            elif ptype == PKT_DATA:
                n = struct.unpack("<H", body[:2])[0]
                t.target.sendall(body[2:2 + n])
            elif ptype == PKT_CLOSE_CHANNEL:
                log("CLOSE_CHANNEL")
                t.send(PKT_CLOSE_CHANNEL_RESPONSE, struct.pack("<I", 0))
            elif ptype == PKT_KEEPALIVE:
                pass
            else:
                log("unhandled packet type", ptype)


def handle(raw, ctx, mode):
    raw.settimeout(60)
    try:
        s = ctx.wrap_socket(raw, server_side=True)
    except (ssl.SSLError, OSError) as e:
        log("TLS accept failed:", e)
        raw.close()
        return
    c = Conn(s)
    try:
        method, uri, hdrs = c.read_request()
        log("request", method, uri)
        if method not in ("RDG_OUT_DATA", "RDG_IN_DATA"):
            body = b"not found\r\n"
            s.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
            return
        if not authenticate(c, mode, method, hdrs):
            log("authentication legs exhausted")
            return
        t = tunnel_for(hdrs.get("rdg-connection-id", "?"))
        if method == "RDG_OUT_DATA":
            # [MS-TSGU] 3.3.5.1: final 200 on the OUT channel has no Content-Length; the
            # channel then carries a 10-byte seed and the gateway's RDG packets.
            s.sendall(b"HTTP/1.1 200 OK\r\nServer: Microsoft-IIS/10.0\r\n"
                      b"Cache-Control: no-cache\r\n\r\n" + b"\xab\xcd" * 5)
            t.out = s
            t.out_ready.set()
            while True:          # keep the OUT channel open while the IN side works
                time.sleep(0.5)
                if t.target is None and not t.out_ready.is_set():
                    break
        else:
            s.sendall(b"HTTP/1.1 200 OK\r\nServer: Microsoft-IIS/10.0\r\nContent-Length: 0\r\n\r\n")
            m2, _, h2 = c.read_request()      # FreeRDP re-sends the head with chunked encoding
            log("IN data head", m2, h2.get("transfer-encoding"))
            handle_in(c, t)
    except (EOFError, OSError, ValueError, ssl.SSLError) as e:
        log("connection ended:", type(e).__name__, e)
    finally:
        try:
            s.close()
        except OSError:
            pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--listen", required=True)
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--keylog", required=True)
    ap.add_argument("--mode", choices=["correct", "no-content-length", "deny-auth"], default="correct")
    ap.add_argument("--lifetime", type=float, default=120.0)
    a = ap.parse_args()
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(a.cert, a.key)
    ctx.keylog_filename = a.keylog
    host, port = a.listen.rsplit(":", 1)
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((host, int(port)))
    ls.listen(8)
    ls.settimeout(1.0)
    deadline = time.time() + a.lifetime
    log("listening on", a.listen, "mode", a.mode)
    while time.time() < deadline:
        try:
            raw, peer = ls.accept()
        except socket.timeout:
            continue
        threading.Thread(target=handle, args=(raw, ctx, a.mode), daemon=True).start()


if __name__ == "__main__":
    main()
