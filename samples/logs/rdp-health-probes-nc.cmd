for i in $(seq 1 30); do ip netns exec rdpt-cli timeout 5 nc -z -w 2 10.0.2.2 3389; echo "probe $i exit=$?"; sleep 0.2; done
