ip netns exec rdpt-cli timeout 120 nmap -n -sS -p 3389,3390-3395 10.0.2.2; ip netns exec rdpt-cli timeout 120 nmap -n -p 3389 --script rdp-enum-encryption,rdp-ntlm-info 10.0.2.2
