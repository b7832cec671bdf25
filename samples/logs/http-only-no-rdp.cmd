timeout 10 /usr/bin/python3 -c "import urllib.request; print(urllib.request.urlopen('http://127.0.0.1:8080/index.html', timeout=5).read().decode().strip())"
