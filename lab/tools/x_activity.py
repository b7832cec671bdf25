#!/usr/bin/env python3
"""Screen activity and a window close for an xfreerdp window on an Xvfb display, with the XTest
extension through ctypes (libX11.so.6 / libXtst.so.6; no xdotool, no headers needed).

  x_activity.py DISPLAY type SECONDS   move the pointer inside the window's top-left 300x200
                                       pixels and type a letter every 0.25 s for SECONDS
                                       (letters go to xrdp's login box: the server redraws it)
  x_activity.py DISPLAY close          send WM_DELETE_WINDOW to every top-level window whose
                                       name starts with "FreeRDP" (what a window manager's close
                                       button does: xfreerdp disconnects on its own)
Prints one line per action.  Bounded: at most SECONDS (<= 60) of activity.
"""
import ctypes
import sys
import time

x11 = ctypes.CDLL("libX11.so.6")
xtst = ctypes.CDLL("libXtst.so.6")
vp, c_int, c_uint, c_ulong = ctypes.c_void_p, ctypes.c_int, ctypes.c_uint, ctypes.c_ulong
x11.XOpenDisplay.restype = vp
x11.XOpenDisplay.argtypes = [ctypes.c_char_p]
x11.XDefaultRootWindow.restype = c_ulong
x11.XDefaultRootWindow.argtypes = [vp]
x11.XKeysymToKeycode.restype = ctypes.c_ubyte
x11.XKeysymToKeycode.argtypes = [vp, c_ulong]
x11.XFlush.argtypes = [vp]
x11.XInternAtom.restype = c_ulong
x11.XInternAtom.argtypes = [vp, ctypes.c_char_p, c_int]
x11.XQueryTree.argtypes = [vp, c_ulong, ctypes.POINTER(c_ulong), ctypes.POINTER(c_ulong),
                           ctypes.POINTER(ctypes.POINTER(c_ulong)), ctypes.POINTER(c_uint)]
x11.XFetchName.argtypes = [vp, c_ulong, ctypes.POINTER(ctypes.c_char_p)]
x11.XSendEvent.argtypes = [vp, c_ulong, c_int, ctypes.c_long, vp]
x11.XCloseDisplay.argtypes = [vp]
xtst.XTestFakeMotionEvent.argtypes = [vp, c_int, c_int, c_int, c_ulong]
xtst.XTestFakeKeyEvent.argtypes = [vp, c_uint, c_int, c_ulong]


class ClientMessage(ctypes.Structure):
    _fields_ = [("type", c_int), ("serial", c_ulong), ("send_event", c_int), ("display", vp),
                ("window", c_ulong), ("message_type", c_ulong), ("format", c_int),
                ("l", ctypes.c_long * 5)]


class XEvent(ctypes.Union):
    _fields_ = [("xclient", ClientMessage), ("pad", ctypes.c_long * 24)]


def windows(d):
    root = x11.XDefaultRootWindow(d)
    r, p = c_ulong(), c_ulong()
    kids = ctypes.POINTER(c_ulong)()
    n = c_uint()
    if not x11.XQueryTree(d, root, ctypes.byref(r), ctypes.byref(p), ctypes.byref(kids),
                          ctypes.byref(n)):
        return []
    out = []
    for i in range(n.value):
        name = ctypes.c_char_p()
        if x11.XFetchName(d, kids[i], ctypes.byref(name)) and name.value:
            out.append((kids[i], name.value.decode(errors="replace")))
    return out


def type_for(d, seconds):
    seconds = min(float(seconds), 60.0)
    end = time.monotonic() + seconds
    letters = "abcdefghij"
    i = 0
    while time.monotonic() < end:
        x, y = 40 + (i * 37) % 260, 30 + (i * 23) % 170
        xtst.XTestFakeMotionEvent(d, -1, x, y, 0)
        code = x11.XKeysymToKeycode(d, ord(letters[i % len(letters)]))
        xtst.XTestFakeKeyEvent(d, code, 1, 0)
        xtst.XTestFakeKeyEvent(d, code, 0, 0)
        x11.XFlush(d)
        print("%.3f pointer %d,%d key %s" % (time.time(), x, y, letters[i % len(letters)]),
              flush=True)
        i += 1
        time.sleep(0.25)


def close(d):
    wm_protocols = x11.XInternAtom(d, b"WM_PROTOCOLS", 0)
    wm_delete = x11.XInternAtom(d, b"WM_DELETE_WINDOW", 0)
    sent = 0
    for w, name in windows(d):
        if not name.startswith("FreeRDP"):
            continue
        ev = XEvent()
        ev.xclient.type = 33  # ClientMessage
        ev.xclient.window = w
        ev.xclient.message_type = wm_protocols
        ev.xclient.format = 32
        ev.xclient.l[0] = wm_delete
        ev.xclient.l[1] = 0  # CurrentTime
        x11.XSendEvent(d, w, 0, 0, ctypes.byref(ev))
        print("%.3f WM_DELETE_WINDOW to 0x%x %r" % (time.time(), w, name), flush=True)
        sent += 1
    x11.XFlush(d)
    return sent


def main():
    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    d = x11.XOpenDisplay(sys.argv[1].encode())
    if not d:
        raise SystemExit("cannot open display %s" % sys.argv[1])
    if sys.argv[2] == "type":
        type_for(d, sys.argv[3] if len(sys.argv) > 3 else 10)
    elif sys.argv[2] == "close":
        if not close(d):
            raise SystemExit("no FreeRDP window on %s" % sys.argv[1])
    else:
        raise SystemExit(__doc__)
    x11.XCloseDisplay(d)


if __name__ == "__main__":
    main()
