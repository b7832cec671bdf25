//! Live capture from a network interface (feature `live`), for `rdptriage live`.
//!
//! Owns: opening an interface with libpcap (snap length, promiscuous mode, read timeout,
//! kernel buffer, nanosecond time stamps), the capture filter ([`DEFAULT_FILTER`] keeps only
//! what the later stages read), handing packets on as [`Frame`]s numbered from 1 as Wireshark
//! would number the saved capture, libpcap's drop counters, the interface list, and error
//! messages that say what to do (permissions, unknown interface, bad filter).
//!
//! Not here: what to do with the frames (the engine), saving them (`pcapng_write`), keeping the
//! most recent ones (`recent`).
//!
//! Why the `pcap` crate: capturing needs libpcap (or the raw sockets and BPF it wraps, which
//! differ per platform), and this crate forbids `unsafe` code. `pcap` (rust-pcap) is the
//! maintained safe binding: it exposes `pcap_create`/`pcap_activate` with every setting used
//! here, `pcap_setfilter`, `pcap_stats` and `pcap_findalldevs`. It is an optional dependency
//! behind the `live` feature so the default build links no system library.

use super::{Frame, Timestamp};
use pcap::{Active, Capture, Device, Precision};
use std::net::IpAddr;
use std::path::PathBuf;

/// The capture filter `rdptriage live` uses unless told otherwise (BPF, as tcpdump takes it):
/// RDP over TCP and UDP (3389), RD Gateway (TCP 443), DNS (UDP 53), Kerberos (TCP and UDP 88),
/// the ICMP errors that explain a failed connection (destination unreachable, source quench,
/// time exceeded, parameter problem: RFC 792), ICMPv6 errors (types 0-127, RFC 4443 section
/// 2.1; `ip6[40]` is the ICMPv6 type when ICMPv6 directly follows the IPv6 header, which is
/// what `icmp6` matches), non-first IPv4 fragments (fragment offset non-zero: they carry no
/// ports, so a port filter would drop them and the reassembly would miss its tail), and the
/// same inside one 802.1Q VLAN tag (`vlan` moves the offsets for what follows it).
///
/// Checked with `tcpdump -d` (libpcap 1.10.3: 126 BPF instructions), and against the sample
/// captures: `tcpdump -r F FILTER` keeps every frame of rdp-port-closed.pcap (4),
/// rdp-icmp-port-unreachable.pcap (8), rdp-tls-healthy-xrdp.pcap (232) and
/// rdp-cert-untrusted-ipv6-xrdp.pcap (16), as many as tshark counts.
pub const DEFAULT_FILTER: &str = concat!(
    "tcp port 3389 or udp port 3389 or tcp port 443 or udp port 53 or tcp port 88 or udp port 88",
    " or icmp[icmptype] == icmp-unreach or icmp[icmptype] == icmp-sourcequench",
    " or icmp[icmptype] == icmp-timxceed or icmp[icmptype] == icmp-paramprob",
    " or (icmp6 and ip6[40] < 128) or (ip and ip[6:2] & 0x1fff != 0)",
    " or (vlan and (",
    "tcp port 3389 or udp port 3389 or tcp port 443 or udp port 53 or tcp port 88 or udp port 88",
    " or icmp[icmptype] == icmp-unreach or icmp[icmptype] == icmp-sourcequench",
    " or icmp[icmptype] == icmp-timxceed or icmp[icmptype] == icmp-paramprob",
    " or (icmp6 and ip6[40] < 128) or (ip and ip[6:2] & 0x1fff != 0)",
    "))"
);

/// [`DEFAULT_FILTER`] without its VLAN half, for link types where libpcap has no `vlan`
/// (Linux cooked captures, LINKTYPE_LINUX_SLL and SLL2, which the `any` interface gives:
/// "no VLAN support for Linux cooked v2"). [`LiveCapture::open`] falls back to it when it was
/// given [`DEFAULT_FILTER`] and libpcap rejects that on the interface.
pub const DEFAULT_FILTER_NO_VLAN: &str = concat!(
    "tcp port 3389 or udp port 3389 or tcp port 443 or udp port 53 or tcp port 88 or udp port 88",
    " or icmp[icmptype] == icmp-unreach or icmp[icmptype] == icmp-sourcequench",
    " or icmp[icmptype] == icmp-timxceed or icmp[icmptype] == icmp-paramprob",
    " or (icmp6 and ip6[40] < 128) or (ip and ip[6:2] & 0x1fff != 0)",
);

/// Installs `filter` on `capture`; [`DEFAULT_FILTER`] falls back to
/// [`DEFAULT_FILTER_NO_VLAN`] where libpcap cannot filter VLAN tags. Returns the filter in
/// force.
fn install_filter<T: pcap::Activated + ?Sized>(
    capture: &mut Capture<T>,
    filter: &str,
) -> Result<String, pcap::Error> {
    match capture.filter(filter, true) {
        Ok(()) => Ok(filter.to_string()),
        Err(_) if filter == DEFAULT_FILTER => capture
            .filter(DEFAULT_FILTER_NO_VLAN, true)
            .map(|()| DEFAULT_FILTER_NO_VLAN.to_string()),
        Err(e) => Err(e),
    }
}

/// Snap length by default: tcpdump's and dumpcap's (whole frames, jumbo frames included).
pub const DEFAULT_SNAPLEN: i32 = 262_144;
/// Read timeout by default, milliseconds: how long [`LiveCapture::next_frame`] waits for a
/// packet before returning `Ok(None)` so the caller can run its timers.
pub const DEFAULT_TIMEOUT_MS: i32 = 250;
/// Kernel capture buffer by default: 16 MiB, eight times libpcap's 2 MiB, so a burst (a
/// bitmap-heavy RDP session, a SYN flood) waits there rather than being dropped.
pub const DEFAULT_BUFFER_SIZE: i32 = 16 << 20;

/// How long `next_frame` naps when no packet is waiting (non-blocking reads).
pub const IDLE_NAP_MS: u64 = 10;

/// How to open the interface.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveOptions {
    pub interface: String,
    /// BPF filter; empty for none.
    pub filter: String,
    pub snaplen: i32,
    pub promiscuous: bool,
    /// Read timeout in milliseconds.
    pub timeout_ms: i32,
    /// Kernel buffer in bytes.
    pub buffer_size: i32,
}

impl LiveOptions {
    /// The defaults for `interface`: [`DEFAULT_FILTER`], whole frames, not promiscuous.
    pub fn new(interface: impl Into<String>) -> LiveOptions {
        LiveOptions {
            interface: interface.into(),
            filter: DEFAULT_FILTER.to_string(),
            snaplen: DEFAULT_SNAPLEN,
            promiscuous: false,
            timeout_ms: DEFAULT_TIMEOUT_MS,
            buffer_size: DEFAULT_BUFFER_SIZE,
        }
    }
}

/// libpcap's own counters (`pcap_stats`), since the capture was opened.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct LiveStats {
    /// Packets received (on Linux: that passed the filter).
    pub received: u64,
    /// Packets dropped because the kernel buffer was full (we did not read fast enough).
    pub dropped: u64,
    /// Packets dropped by the interface or its driver.
    pub interface_dropped: u64,
}

/// One capture interface as libpcap lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterfaceSummary {
    pub name: String,
    pub description: Option<String>,
    pub addresses: Vec<IpAddr>,
    pub up: bool,
    pub running: bool,
    pub loopback: bool,
}

const PERMISSION_HINT: &str = "run as root or give the binary the capabilities: \
     sudo setcap cap_net_raw,cap_net_admin+eip $(command -v rdptriage)";

/// Why a live capture could not be opened or read.
#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    #[error("not permitted to capture on {interface} ({message}): {PERMISSION_HINT}")]
    NotPermitted { interface: String, message: String },
    #[error(
        "no capture interface named {interface:?}{}: list them with `rdptriage live --list-interfaces`",
        if message.is_empty() { String::new() } else { format!(" ({message})") }
    )]
    NoSuchDevice { interface: String, message: String },
    #[error(
        "capture filter not accepted on {interface}: {message}; the filter was: {filter} \
         (check it with `tcpdump -d '<filter>'`)"
    )]
    BadFilter {
        interface: String,
        filter: String,
        message: String,
    },
    #[error("cannot open {interface} for capture: {message}")]
    Open { interface: String, message: String },
    #[error("capture on {interface} failed: {message}")]
    Read { interface: String, message: String },
    #[error("cannot list capture interfaces: {message}")]
    List { message: String },
}

/// An open live capture.
pub struct LiveCapture {
    interface: String,
    capture: Capture<Active>,
    /// The filter in force (empty for none).
    filter: String,
    link_type: u32,
    /// Nanoseconds per unit of `tv_usec` in the packet headers: 1 when libpcap granted
    /// nanosecond precision, 1000 when it gives microseconds.
    ns_per_subsec_unit: i64,
    frames: u64,
    /// Last raw `pcap_stats` values and how often each 32-bit counter wrapped.
    last_raw: [u32; 3],
    wraps: [u64; 3],
}

impl LiveCapture {
    /// Opens `options.interface` and installs `options.filter` (when not empty).
    pub fn open(options: &LiveOptions) -> Result<LiveCapture, LiveError> {
        let interface = options.interface.clone();
        let inactive = Capture::from_device(options.interface.as_str())
            .map_err(|e| classify_open_error(&interface, e))?
            .snaplen(options.snaplen)
            .promisc(options.promiscuous)
            .timeout(options.timeout_ms)
            .buffer_size(options.buffer_size)
            .precision(Precision::Nano);
        // Non-blocking: on Linux (TPACKET_V3) the read timeout only runs once a packet has
        // arrived, so a blocking read on a quiet interface never returns — and then neither
        // timers nor SIGINT would be served. `next_frame` naps instead when nothing is there.
        // Not immediate mode: it makes libpcap fall back to fixed ring slots of a whole snap
        // length, 64 of them in 16 MiB on an interface with segmentation offload, and the
        // kernel drops packets while we idle (BENCHMARKS.md "Live capture"); TPACKET_V3's
        // blocks hand packets over when full or after the read timeout (250 ms).
        let mut capture = inactive
            .open()
            .and_then(|c| c.setnonblock())
            .map_err(|e| classify_open_error(&interface, e))?;
        let filter = if options.filter.trim().is_empty() {
            String::new()
        } else {
            install_filter(&mut capture, &options.filter).map_err(|e| LiveError::BadFilter {
                interface: interface.clone(),
                filter: options.filter.clone(),
                message: pcap_message(e),
            })?
        };
        let link_type = capture.get_datalink().0 as u32;
        let ns_per_subsec_unit = if granted_nanoseconds(&capture) {
            1
        } else {
            1000
        };
        Ok(LiveCapture {
            interface,
            capture,
            filter,
            link_type,
            ns_per_subsec_unit,
            frames: 0,
            last_raw: [0; 3],
            wraps: [0; 3],
        })
    }

    /// LINKTYPE_* value of the interface (1 for Ethernet).
    pub fn link_type(&self) -> u32 {
        self.link_type
    }

    /// The interface name the capture was opened on.
    pub fn interface(&self) -> &str {
        &self.interface
    }

    /// The capture filter in force: the one asked for, or [`DEFAULT_FILTER_NO_VLAN`] for
    /// [`DEFAULT_FILTER`] on a link type without VLAN support; empty for none.
    pub fn filter(&self) -> &str {
        &self.filter
    }

    /// True when time stamps come with nanosecond precision (else microseconds).
    pub fn nanosecond_timestamps(&self) -> bool {
        self.ns_per_subsec_unit == 1
    }

    /// The next frame (numbered from 1, as Wireshark would number the saved capture), or
    /// Ok(None) when the read timed out with no packet (the caller's chance to run timers).
    pub fn next_frame(&mut self) -> Result<Option<Frame<'_>>, LiveError> {
        match self.capture.next_packet() {
            Ok(packet) => {
                self.frames += 1;
                let header = *packet.header;
                // timeval fields are i64 on 64-bit targets, narrower on some 32-bit ones.
                #[allow(clippy::unnecessary_cast)]
                let (secs, subsec) = (header.ts.tv_sec as i64, header.ts.tv_usec as i64);
                Ok(Some(Frame {
                    number: self.frames,
                    ts: timestamp(secs, subsec, self.ns_per_subsec_unit),
                    link_type: self.link_type,
                    interface: 0,
                    wire_len: header.len,
                    data: packet.data,
                }))
            }
            Err(pcap::Error::TimeoutExpired) => {
                std::thread::sleep(std::time::Duration::from_millis(IDLE_NAP_MS));
                Ok(None)
            }
            Err(e) => Err(LiveError::Read {
                interface: self.interface.clone(),
                message: pcap_message(e),
            }),
        }
    }

    /// pcap's own counters (pcap_stats): packets received, dropped by the kernel buffer,
    /// dropped by the interface. libpcap's counters are 32 bits wide; a wrap between two
    /// calls is counted, so calling this at least every 2^32 packets keeps them exact.
    pub fn stats(&mut self) -> Result<LiveStats, LiveError> {
        let stat = self.capture.stats().map_err(|e| LiveError::Read {
            interface: self.interface.clone(),
            message: pcap_message(e),
        })?;
        let raw = [stat.received, stat.dropped, stat.if_dropped];
        let mut total = [0u64; 3];
        for i in 0..3 {
            if raw[i] < self.last_raw[i] {
                self.wraps[i] += 1;
            }
            self.last_raw[i] = raw[i];
            total[i] = (self.wraps[i] << 32) + u64::from(raw[i]);
        }
        Ok(LiveStats {
            received: total[0],
            dropped: total[1],
            interface_dropped: total[2],
        })
    }
}

/// Every interface libpcap can capture on (`pcap_findalldevs`), in its order.
pub fn list_interfaces() -> Result<Vec<InterfaceSummary>, LiveError> {
    let devices = Device::list().map_err(|e| LiveError::List {
        message: pcap_message(e),
    })?;
    Ok(devices
        .into_iter()
        .map(|d| InterfaceSummary {
            addresses: d.addresses.iter().map(|a| a.addr).collect(),
            up: d.flags.is_up(),
            running: d.flags.is_running(),
            loopback: d.flags.is_loopback(),
            name: d.name,
            description: d.desc,
        })
        .collect())
}

/// `pcap_pkthdr.ts` (seconds, sub-second units) to nanoseconds since the epoch. The units
/// are nanoseconds when nanosecond precision was granted (pcap_set_tstamp_precision(3PCAP)),
/// microseconds otherwise.
fn timestamp(secs: i64, subsec: i64, ns_per_subsec_unit: i64) -> Timestamp {
    Timestamp(
        secs.saturating_mul(1_000_000_000)
            .saturating_add(subsec.saturating_mul(ns_per_subsec_unit)),
    )
}

/// The text libpcap gave, without the pcap crate's "libpcap error: " prefix.
fn pcap_message(e: pcap::Error) -> String {
    match e {
        pcap::Error::PcapError(message) => message,
        other => other.to_string(),
    }
}

fn classify_open_error(interface: &str, e: pcap::Error) -> LiveError {
    let message = pcap_message(e);
    let lower = message.to_ascii_lowercase();
    if lower.contains("permission") || lower.contains("not permitted") {
        return LiveError::NotPermitted {
            interface: interface.to_string(),
            message,
        };
    }
    let listed = list_interfaces()
        .map(|all| all.iter().any(|i| i.name == interface))
        .unwrap_or(true);
    if !listed || lower.contains("no such device") || lower.contains("doesn't exist") {
        return LiveError::NoSuchDevice {
            interface: interface.to_string(),
            message,
        };
    }
    LiveError::Open {
        interface: interface.to_string(),
        message,
    }
}

/// pcap savefile magic for nanosecond time stamps (pcap-savefile(5)), host byte order.
const NSEC_TCPDUMP_MAGIC: u32 = 0xa1b2_3c4d;

/// Whether libpcap granted the nanosecond precision asked for. libpcap has
/// pcap_get_tstamp_precision, but the pcap crate does not expose it and this crate forbids
/// `unsafe`; libpcap writes a savefile's magic from the same setting, so a header is written
/// to a fresh private directory and read back. If that cannot be done, libpcap's platform
/// support decides: Linux grants nanoseconds since libpcap 1.5 (pcap-linux.c).
fn granted_nanoseconds(capture: &Capture<Active>) -> bool {
    probe_precision(capture).unwrap_or(cfg!(target_os = "linux"))
}

fn probe_precision(capture: &Capture<Active>) -> Option<bool> {
    let mut random = [0u8; 8];
    getrandom::getrandom(&mut random).ok()?;
    let dir: PathBuf = std::env::temp_dir().join(format!(
        "rdptriage-precision-{}-{:016x}",
        std::process::id(),
        u64::from_ne_bytes(random)
    ));
    let mut builder = std::fs::DirBuilder::new();
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    // create, not create_dir_all: fails rather than reuse something already there.
    builder.create(&dir).ok()?;
    let file = dir.join("header.pcap");
    let magic = capture.savefile(&file).ok().and_then(|savefile| {
        drop(savefile); // pcap_dump_close writes the header out
        let bytes = std::fs::read(&file).ok()?;
        Some(u32::from_ne_bytes(bytes.get(..4)?.try_into().ok()?))
    });
    let _ = std::fs::remove_file(&file);
    let _ = std::fs::remove_dir(&dir);
    magic.map(|m| m == NSEC_TCPDUMP_MAGIC)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_in_either_precision() {
        // 2025-02-18T15:50:01 plus 123456 µs, or plus 123456789 ns.
        assert_eq!(
            timestamp(1_739_893_801, 123_456, 1000),
            Timestamp(1_739_893_801_123_456_000)
        );
        assert_eq!(
            timestamp(1_739_893_801, 123_456_789, 1),
            Timestamp(1_739_893_801_123_456_789)
        );
        assert_eq!(
            timestamp(1_739_893_801, 123_456_789, 1).to_rfc3339(),
            "2025-02-18T15:50:01.123456789Z"
        );
        // Saturates rather than overflowing on a nonsense header.
        assert_eq!(timestamp(i64::MAX, 1, 1000), Timestamp(i64::MAX));
    }

    /// Frames of a sample capture that `filter` keeps, through libpcap's offline reader and the
    /// same filter installation as a live capture.
    fn kept(sample: &str, filter: &str) -> (usize, String) {
        let path = format!("{}/samples/{sample}", env!("CARGO_MANIFEST_DIR"));
        let mut capture = Capture::from_file(&path).unwrap();
        let in_force = install_filter(&mut capture, filter).unwrap();
        let mut n = 0;
        while capture.next_packet().is_ok() {
            n += 1;
        }
        (n, in_force)
    }

    #[test]
    fn default_filter_keeps_what_rdptriage_reads() {
        // Ethernet captures: tshark counts 4, 8, 232 and 16 frames, all RDP on 3389 or ICMP
        // destination unreachable; the filter keeps them all with its VLAN half.
        for (sample, frames) in [
            ("rdp-port-closed.pcap", 4),
            ("rdp-icmp-port-unreachable.pcap", 8),
            ("rdp-tls-healthy-xrdp.pcap", 232),
            ("rdp-cert-untrusted-ipv6-xrdp.pcap", 16),
        ] {
            assert_eq!(
                kept(sample, DEFAULT_FILTER),
                (frames, DEFAULT_FILTER.into()),
                "{sample}"
            );
        }
        // Linux cooked v1 and v2: libpcap has no `vlan` there, the fallback is used.
        // tshark -Y 'tcp.port==3389 || icmp.type==3' shows 8 and 9 frames.
        for (sample, frames) in [
            ("rdp-icmp-admin-prohibited-sll.pcap", 8),
            ("rdp-rst-mid-handshake-sll2.pcap", 9),
        ] {
            assert_eq!(
                kept(sample, DEFAULT_FILTER),
                (frames, DEFAULT_FILTER_NO_VLAN.into()),
                "{sample}"
            );
        }
        // DNS kept, HTTP on 8080 not: tshark shows frames 1-2 DNS (udp 53), 3-14 TCP 8080.
        assert_eq!(kept("http-only-no-rdp.pcap", DEFAULT_FILTER).0, 2);
        // A filter that is not the default gets no fallback.
        let path = format!(
            "{}/samples/rdp-port-closed.pcap",
            env!("CARGO_MANIFEST_DIR")
        );
        let mut capture = Capture::from_file(&path).unwrap();
        assert!(install_filter(&mut capture, "tcp port 3389 or bogus").is_err());
    }

    #[test]
    fn default_options() {
        let o = LiveOptions::new("eth0");
        assert_eq!(o.filter, DEFAULT_FILTER);
        assert_eq!(
            (o.snaplen, o.timeout_ms, o.buffer_size),
            (262_144, 250, 16 << 20)
        );
        assert!(!o.promiscuous);
    }
}
