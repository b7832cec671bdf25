timeout 10 /usr/bin/python3 -c "
import socket, struct, urllib.request
q = struct.pack('>HHHHHH', 0x1234, 0x0100, 1, 0, 0, 0) + b'\x03rdp\x07example\x04test\x00' + struct.pack('>HH', 1, 1)
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.settimeout(3); u.sendto(q, ('127.0.0.1', 53))
r = u.recv(512); print('dns rcode', r[3] & 0x0f)
print(urllib.request.urlopen('http://127.0.0.1:8080/index.html', timeout=5).read().decode().strip())
"
