//! What to do about each cause, and what a capture cannot show about it. Cause ids are
//! public interface: add ids, never rename them.

pub struct Advice {
    pub title: &'static str,
    pub remedy: &'static str,
    pub cannot_show: &'static str,
}

pub fn advice(cause: &str) -> Advice {
    let (title, remedy, cannot_show) = match cause {
        "certificate_expired" => (
            "the server's certificate has expired",
            "Renew the certificate. For the RDP listener: certlm.msc → Remote Desktop → Certificates, delete the expired certificate, then Restart-Service TermService -Force (Windows creates a new self-signed one, or assign your CA's via Win32_TSGeneralSetting SSLCertificateSHA1Hash / Group Policy). On Azure VMs, if the new certificate is not created, check the key permissions in C:\\ProgramData\\Microsoft\\Crypto\\RSA\\MachineKeys. For an RD Gateway: Server Manager → RD Gateway Manager → Properties → SSL Certificate.",
            "Without a key log a TLS 1.3 certificate is encrypted and the verdict rests on the client's behaviour and alerts; the client's own trust decision is never on the wire.",
        ),
        "certificate_not_yet_valid" => (
            "the server's certificate is not valid yet",
            "Check the clocks: the server's or the client's time is wrong (w32tm /query /status), or the certificate was issued with a future start date. Fix the time source or reissue the certificate.",
            "Which side's clock is wrong: the capture only shows the capturing host's time.",
        ),
        "certificate_name_mismatch" => (
            "the certificate does not carry the name the client connects to",
            "Connect with a name the certificate lists (its CN or a SAN), or issue a certificate whose SANs include the name users type (and the gateway's public name). For RDP behind a load balancer every host needs the farm name in its certificate.",
            "Whether the user accepted the warning: only what the client did next is visible.",
        ),
        "certificate_untrusted" => (
            "the client does not trust the server's certificate",
            "Use a certificate from a CA the clients trust (enterprise PKI or public CA) instead of a self-signed one — mandatory for an RD Gateway — or distribute the issuing CA to the clients' Trusted Root store (Group Policy). If a TLS-inspecting firewall re-signs the certificate, exempt RDP / the gateway from inspection.",
            "The client's trust store; the exact validation error is inside the client.",
        ),
        "tls_version_mismatch" => (
            "client and server have no TLS version in common",
            "Enable a common protocol version: on Windows the Schannel keys under HKLM\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL\\Protocols (TLS 1.2 Server/Client Enabled=1), and update old clients; on xrdp ssl_protocols in xrdp.ini.",
            "",
        ),
        "tls_cipher_mismatch" => (
            "client and server have no cipher suite in common",
            "Align the cipher suites: Get-TlsCipherSuite / the \"SSL Cipher Suite Order\" Group Policy on Windows, tls_ciphers in xrdp.ini; make sure a modern ECDHE + AES-GCM suite is enabled on both sides.",
            "",
        ),
        "tls_handshake_failure" => (
            "the TLS handshake failed",
            "Check the server's certificate and private key (the listener must be able to use them: MachineKeys permissions for NETWORK SERVICE), the Schannel event log on the server (System log, source Schannel), and TLS protocol / cipher settings on both sides.",
            "The exact reason when the server closes without an alert; Schannel logs it on the server.",
        ),
        "security_layer_mismatch" => (
            "client and server do not accept the same RDP security layer",
            "Make the security layers agree. On the server: the \"Require use of specific security layer\" policy (Negotiate / SSL / RDP) and \"Require user authentication for remote connections by using Network Level Authentication\" (System Properties → Remote). On the client: mstsc negotiates by itself unless \"authentication level\" or the .rdp file forces it; FreeRDP's /sec: option; xrdp's security_layer in xrdp.ini.",
            "",
        ),
        "nla_failure" => (
            "Network Level Authentication (CredSSP) failed",
            "Check the credentials and that the account may log on remotely (\"Allow log on through Remote Desktop Services\", Remote Desktop Users group); the Security log on the server (event 4625) names the reason. If the client says CredSSP encryption oracle remediation, align the \"Encryption Oracle Remediation\" policy and patch both sides. NLA can be disabled on the server as a last resort.",
            "The CredSSP error code is inside TLS: decrypt with a key log, or read the server's Security log.",
        ),
        "server_denied" => (
            "the server refused the connection after accepting it",
            "Read the server's logs (Microsoft-Windows-TerminalServices-RemoteConnectionManager, RdpCoreTS, Security) for the reason: user not allowed, licensing, too many sessions, policy.",
            "The Set Error Info reason (e.g. 0x7 denied) is inside TLS.",
        ),
        "middlebox_reset" => (
            "a device between client and server reset the connection",
            "Find the firewall, IPS, proxy or NAT device at the hop distance given and check its logs and rules for this flow: RDP or TLS inspection policies, application-ID blocks, idle timeouts. Allow TCP 3389 (or the gateway's 443) for this client.",
            "Which product it is: only its hop distance and behaviour are visible.",
        ),
        "connection_refused" => (
            "nothing accepts connections on the server's port",
            "Check that the Remote Desktop service runs and listens on that port (Get-Service TermService; netstat -ano | findstr :3389; PortNumber under HKLM\\System\\CurrentControlSet\\Control\\Terminal Server\\WinStations\\RDP-Tcp), that Remote Desktop is enabled, and the address is right.",
            "Whether a firewall rejects with resets in the server's name, when the reset's TTL matches the server's.",
        ),
        "connection_blocked" => (
            "the connection is blocked on the way",
            "Open the port on the firewalls between client and server (the one named in the ICMP error, or the host firewall: \"Remote Desktop - User Mode (TCP-In)\"), check security groups / NSGs, or use an RD Gateway; Test-NetConnection server -Port 3389 reproduces it.",
            "Whether the server host is up, when SYNs simply go unanswered.",
        ),
        "path_mtu_blackhole" => (
            "large packets are lost on the path (MTU black hole)",
            "Clamp the TCP MSS on the VPN / tunnel device (e.g. 1360 or lower), or lower the MTU of the tunnel interface, or let ICMP \"fragmentation needed\" (IPv4 type 3 code 4) / ICMPv6 \"packet too big\" through the firewalls so path-MTU discovery works.",
            "Which link has the small MTU.",
        ),
        "network_loss" => (
            "the network path loses too many packets",
            "Fix or avoid the lossy path (Wi-Fi, congested uplink, overloaded VPN); test from another network. On RD Gateway, the RDGClientTransport registry value (HKCU\\Software\\Microsoft\\Terminal Server Client, DWORD 1) forces the more tolerant RPC-over-HTTP transport.",
            "",
        ),
        "handshake_timeout" => (
            "the connection setup stalled",
            "The side that stopped answering is named in the finding: for a silent server, check that TermService / xrdp is healthy (restart it) and that no proxy holds the connection; for a silent client, a prompt (certificate warning, credentials) may be waiting for the user.",
            "What the silent side was doing.",
        ),
        "gateway_http_framing" => (
            "the RD Gateway's HTTP responses cannot be framed (no Content-Length)",
            "A reverse proxy, load balancer or WAF in front of the RD Gateway rewrites its responses (Content-Length removed, or a body added without a length), so the client reads the next response out of step. Exempt /remoteDesktopGateway/ and /rpc/rpcproxy.dll from response rewriting, buffering and body inspection, and let the custom methods RDG_OUT_DATA / RDG_IN_DATA pass; or publish the gateway without that device. Workaround on the clients: force RPC over HTTP with the registry value HKCU\\Software\\Microsoft\\Terminal Server Client\\RDGClientTransport (DWORD) = 1.",
            "Which device rewrote the response: capture on both sides of the proxy and compare.",
        ),
        "gateway_auth_failure" => (
            "the RD Gateway refused the user",
            "Check the credentials the client sends to the gateway (DOMAIN\\user or UPN, password, account not locked or expired — the gateway's Security log, event 4625, names the reason). Then RD Gateway Manager → Policies: the Connection Authorization Policy (RD CAP: user groups, allowed authentication method — password or smart card) must admit the user, and the Resource Authorization Policy (RD RAP) must list the target computer and port. The log Microsoft-Windows-TerminalServices-Gateway/Operational names the policy that refused (events 201, 202, 302–304).",
            "Which check refused the user when the gateway only answers 401: its Security and TerminalServices-Gateway logs say.",
        ),
        "gateway_error" => (
            "the RD Gateway reported an error",
            "For E_PROXY_TS_CONNECTFAILED (0x800759DD) the gateway could not reach the Remote Desktop host: on the gateway, check that the host name resolves (the gateway's DNS, not the client's) and that TCP 3389 is open to it (Test-NetConnection <host> -Port 3389), and that Remote Desktop is enabled on the host. For HTTP 404 / 405 / 501 the URL is not the gateway's or a proxy rejects the custom methods: publish /remoteDesktopGateway/ directly, or set RDGClientTransport=1 on the clients to use RPC over HTTP. For 502 / 503 check the RD Gateway service (TSGateway) and the proxy's back end. Other codes: the TerminalServices-Gateway/Operational log.",
            "What happened between the gateway and the host: capture on the gateway's inner interface.",
        ),
        "udp_transport_blocked" => (
            "RDP over UDP cannot get through",
            "The session itself works over TCP; UDP makes it smoother on long or lossy paths. To get UDP through: allow UDP 3389 to the server in every firewall on the path and in the server's own (rule \"Remote Desktop - User Mode (UDP-In)\": Get-NetFirewallRule -DisplayName 'Remote Desktop - User Mode (UDP-In)' | Enable-NetFirewallRule), 3391/udp on an RD Gateway; on the server the policy Computer Configuration > Administrative Templates > Windows Components > Remote Desktop Services > Remote Desktop Session Host > Connections > \"Select RDP transport protocols\" must allow UDP. If UDP is not wanted, set \"Turn Off UDP On Client\" (… > Remote Desktop Connection Client; registry HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows NT\\Terminal Services\\Client\\fClientDisableUDP = 1) so clients stop trying.",
            "Which device drops the datagrams, or whether the server ignores them: a capture on the server shows whether the SYNs arrive.",
        ),
        "udp_loss" => (
            "RDP over UDP loses packets",
            "Find the lossy link between the two (Wi-Fi, an overloaded VPN or firewall, a saturated uplink: compare captures taken further along the path, check interface error and drop counters). If it cannot be fixed, set \"Turn Off UDP On Client\" (Computer Configuration > Administrative Templates > Windows Components > Remote Desktop Services > Remote Desktop Connection Client) so RDP stays on TCP.",
            "Where on the path the datagrams are lost: loss before the capture point shows as sequence gaps, loss after it only as retransmissions; capture at both ends to place it.",
        ),
        "no_failure_observed" => (
            "no failure is visible in the capture",
            "The connections in this capture worked at the network and protocol-setup level. If the user still saw an error, capture on the client while reproducing it (and keep the TLS key log), or check the server's event logs.",
            "Anything inside TLS after the setup.",
        ),
        _ => (
            "no Remote Desktop traffic",
            "The capture holds no RDP (TCP 3389 or RDP found by content), RDP-UDP or RD Gateway traffic: capture on the client or server while reproducing, with a filter such as `port 3389 or port 443 or port 3391`.",
            "",
        ),
    };
    Advice {
        title,
        remedy,
        cannot_show,
    }
}
