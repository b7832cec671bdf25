ip netns exec rdpt-rtr haproxy -db -f haproxy.cfg   # (config below; run for 8 s)
global
    log stdout format raw local0 info
defaults
    mode tcp
    log global
    option tcplog
    timeout connect 2s
    timeout client 30s
    timeout server 30s
frontend rdp
    bind 10.0.1.1:3389
    default_backend xrdp
backend xrdp
    option tcp-check
    server xrdp1 10.0.2.2:3389 check inter 200ms fall 3 rise 2
