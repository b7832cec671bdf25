//! What to do about each cause, and what a capture cannot show about it. Cause ids are
//! public interface: add ids, never rename them.

pub struct Advice {
    pub title: &'static str,
    pub remedy: &'static str,
    pub cannot_show: &'static str,
}

impl Advice {
    /// What the capture cannot show, when there is something to say.
    pub fn cannot_show(&self) -> Option<String> {
        (!self.cannot_show.is_empty()).then(|| self.cannot_show.to_string())
    }
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
        "insufficient_privileges" => (
            "the user may not log on over Remote Desktop",
            "The credentials were accepted but the account lacks the right to log on remotely: add the user (or a group) to \"Remote Desktop Users\" on the server, and check the user rights \"Allow log on through Remote Desktop Services\" / \"Deny log on through Remote Desktop Services\" (secpol.msc → Local Policies → User Rights Assignment, or the Group Policy that sets them); on an RDS farm, the collection's user groups.",
            "Which policy removed the right: gpresult /h on the server.",
        ),
        "fresh_credentials_required" => (
            "the server requires freshly typed credentials",
            "The server's policy \"Always prompt for password upon connection\" (fPromptForPassword) refuses saved credentials: type the password in the logon dialog, or clear the policy if saved credentials are intended.",
            "",
        ),
        "licensing_failure" => (
            "Remote Desktop licensing failed",
            "On the session host: RD Licensing Diagnoser (lsdiag.msc) shows whether a license server is configured and reachable and has CALs of the right kind (per user / per device); set the licensing mode and server (Group Policy … Remote Desktop Session Host → Licensing), activate the license server and install CALs. After the 120-day grace period without a license server, hosts refuse connections. A client's corrupt stored license: delete HKLM\\SOFTWARE\\Microsoft\\MSLicensing on the client and reconnect as administrator once.",
            "The license server's own state: its event log (TerminalServices-Licensing).",
        ),
        "idle_timeout" => (
            "the server ended an idle session",
            "The session-time-limit policy \"Set time limit for active but idle Remote Desktop Services sessions\" (Group Policy … Remote Desktop Session Host → Session Time Limits, or the user's Sessions tab) ended it: raise or remove the limit if users lose work, or reconnect — a disconnected session may still be waiting.",
            "",
        ),
        "logon_timeout" => (
            "the session reached its time limit",
            "The policy \"Set time limit for active Remote Desktop Services sessions\" (Session Time Limits) ended it: raise or remove the limit.",
            "",
        ),
        "session_replaced" => (
            "another connection took over the session",
            "The same user connected from elsewhere (or the same client twice) and the server moved the session there. Expected with \"Restrict Remote Desktop Services users to a single Remote Desktop Services session\"; if two devices keep taking the session from each other, close one of them or allow several sessions per user.",
            "The other connection, unless it is in the capture.",
        ),
        "admin_disconnect" => (
            "an administrator or tool ended the session",
            "The session was disconnected or logged off through the Remote Desktop Services API (Task Manager, tsdiscon / logoff, Server Manager, a script). Check who did it in the server's TerminalServices-LocalSessionManager log.",
            "",
        ),
        "server_error" => (
            "the server failed while setting up or running the session",
            "The errorInfo names a server-side failure (out of memory, a crashed Winlogon / CSRSS / DWM, a display driver that did not start, a shutdown or reboot): check the server's System and Application logs at that time and its free memory; restart the host if it persists.",
            "",
        ),
        "connection_broker_failure" => (
            "the RD Connection Broker could not place the session",
            "The broker's errorInfo names the step (target not found, VM could not be woken or started, no free pool member, invalid routing token): check the collection or pool in Server Manager and the broker's log (Microsoft-Windows-TerminalServices-SessionBroker).",
            "",
        ),
        "protocol_error" => (
            "the server rejected what the client sent",
            "A protocol error code means the server found the client's data invalid (capabilities, monitor layout, graphics mode, encryption): update the client, try without multi-monitor / RemoteFX / special display settings, and read the server's RdpCoreTS log for the failing PDU.",
            "",
        ),
        "undetermined" => (
            "the outcome is not in the capture",
            "The capture stopped while the connection was still being set up and nothing had failed yet. Capture until the client shows its result (connected desktop or error dialog), with the TLS key log (SSLKEYLOGFILE) so the server's own reason can be read, and analyse again.",
            "Whether the connection would have succeeded.",
        ),
        "probes_only" => (
            "only probes, no Remote Desktop attempt",
            "Nothing to fix in Remote Desktop: the connections are health checks or scans that end themselves (see diagnosis.probes). If a user's failure was expected here, capture on the client while it connects; if a scan was not expected, find the owner of its source address.",
            "Whether the probed server would accept a real client.",
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

/// The remedy for a CredSSP errorCode (MS-CSSP 2.2.1; NTSTATUS values as RDP-FACTS §2.5
/// lists them), when it is more specific than the generic NLA advice.
pub fn credssp_status_remedy(code: u32) -> Option<&'static str> {
    Some(match code {
        0xC000_006D | 0xC000_006A | 0xC000_0064 => {
            "The user name or password is wrong (or the account does not exist on the server or its domain): retype them, use DOMAIN\\user or user@domain, and check the server's Security log (event 4625, Status / Sub Status) for which."
        }
        0xC000_006E => {
            "An account restriction refused the logon: a blank password (blocked for network logons by \"Limit local account use of blank passwords\"), a member of Protected Users (NTLM is refused: connect by the server's DNS name so Kerberos can be used), or logon hours / workstation restrictions on the account (Active Directory Users and Computers → Account)."
        }
        0xC000_006F => {
            "The account may not log on at this time of day: change its logon hours in Active Directory."
        }
        0xC000_0070 => {
            "The account may not log on from this computer: its \"Log On To\" list in Active Directory excludes the client."
        }
        0xC000_0071 | 0xC000_0224 => {
            "The password has expired or must be changed: change it (another way in, e.g. Ctrl+Alt+End in an existing session or the domain's password portal), or allow the change over NLA on the client (enablecredsspsupport / RD Web's password change)."
        }
        0xC000_0072 => {
            "The account is disabled: enable it in Active Directory / Local Users and Groups."
        }
        0xC000_0193 => "The account has expired: extend its expiry date in Active Directory.",
        0xC000_0234 => {
            "The account is locked out after too many wrong passwords: unlock it (and look for a client with a stale saved password — the Security log's event 4740 names the source)."
        }
        0xC000_015B => {
            "The account lacks the logon right NLA uses (a network logon): grant \"Access this computer from the network\" and remove it from \"Deny access to this computer from the network\" for the user (secpol.msc / Group Policy)."
        }
        0xC000_0133 | 0xC000_005E | 0xC000_018D => {
            "The server could not check the credentials with a domain controller (clock skew, no logon server, broken trust): check the server's time (w32tm /query /status), its connection to a DC (nltest /sc_query:DOMAIN) and the secure channel."
        }
        0xC000_00BB => {
            "The server does not support what the client asked for in CredSSP (version or mechanism): patch both sides (CredSSP updates of 2018, CVE-2018-0886) and align the \"Encryption Oracle Remediation\" policy."
        }
        0x8009_0302 => {
            "SEC_E_UNSUPPORTED_FUNCTION: the two sides do not share a CredSSP / TLS capability — typically one side unpatched for CVE-2018-0886 with \"Encryption Oracle Remediation\" set to Force Updated Clients on the other; patch both, or align the policy."
        }
        0xC000_0022 => {
            "Access denied: the account may not use this server; check group memberships and the server's Security log."
        }
        _ => return None,
    })
}

/// What would decide a failed attempt whose reason is not on the wire (cause `undetermined`
/// for a failure): the TLS secrets, and the server's own logs.
pub const UNDETERMINED_FAILURE_REMEDY: &str = "The connection failed but the capture does not show why. To decide it: (1) the TLS key log, so the server's own reason (CredSSP errorCode, Set Error Info, RD Gateway status) can be read — FreeRDP 3: `/tls:secrets-file:keys.log`; FreeRDP 2 and other OpenSSL clients: an SSLKEYLOGFILE shim (OpenSSL 3 ignores the variable; see lab/README.md); mstsc (SChannel) writes no key log, so reproduce with FreeRDP from the same client; an RD Gateway's TLS can be read with its RSA private key only for RSA key exchange suites. Give it with `--keylog FILE` or a pcapng Decryption Secrets Block (`editcap --inject-secrets tls,keys.log`). (2) The server's event logs for the attempt's time: Security 4625 (failed logon, with its status and sub-status) and 4624; Microsoft-Windows-TerminalServices-RemoteConnectionManager/Operational 1149 and 261; Microsoft-Windows-RemoteDesktopServices-RdpCoreTS/Operational 98, 131, 140 (connection and its failure); Microsoft-Windows-TerminalServices-LocalSessionManager/Operational 21–25, 40 (session logon and disconnect reason); on an RD Gateway, Microsoft-Windows-TerminalServices-Gateway/Operational 200–203, 302–303, 312.";
