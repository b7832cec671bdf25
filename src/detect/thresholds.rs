//! Every threshold the detectors use, in one place, each with where its number comes from.
//! The connection state's own thresholds — when a connection reached the session phase, when a
//! reset counts as injected — are in [`crate::state::thresholds`].

/// A handshake phase without progress for longer than this is a stall. mstsc gives up on a
/// connection attempt after about 20–25 s (RDP-FACTS §3.4 / issue text) and FreeRDP's
/// default TCP/TLS timeouts are 15 s; a healthy RDP handshake completes in well under a
/// second on any usable path, and TCP's first retransmission timeouts (1 s, RFC 6298) stay
/// far below 5 s. So 5 s without progress is already abnormal, yet above ordinary loss
/// recovery.
pub const HANDSHAKE_STALL_SECS: f64 = 5.0;

/// A direction is "heavily lossy" when at least this many segments were retransmitted…
pub const HEAVY_LOSS_MIN_RETRANSMISSIONS: u64 = 3;
/// …and they are at least this share of its data segments. 10 % loss already collapses TCP
/// throughput (Mathis et al. 1997: throughput ∝ 1/√p) and makes RDP's many handshake turns
/// take seconds each.
pub const HEAVY_LOSS_MIN_RATIO: f64 = 0.10;

/// A lost segment no larger than this is never blamed on the path MTU: every IPv4 host and
/// path is assumed to carry 576-byte datagrams, i.e. 536 bytes of TCP payload (RFC 879,
/// RFC 1122 §3.3.3 / §4.2.2.6; IPv6 guarantees even 1280-byte packets, RFC 8200 §5).
/// Black-hole thresholds are otherwise relative to the lost segment: the segments that got
/// through are smaller than it, none as large got through.
pub const BLACKHOLE_MIN_LOST_SEGMENT: u32 = 536;
/// A large segment retransmitted more than this many times without being acknowledged.
pub const BLACKHOLE_MIN_RETRIES: u32 = 2;
/// Bytes the TCP timestamps option takes in every segment (10, padded to 12: RFC 7323 §3,
/// as Linux and Windows send it), which a full-size segment carries less payload for.
pub const TCP_TIMESTAMP_OPTION_BYTES: u32 = 12;

/// RDP-UDP loss (`rdpudp.loss`): a direction counts as lossy when at least this many of its
/// DATA datagrams were lost before the capture point or retransmitted…
pub const RDPUDP_LOSS_MIN_DATAGRAMS: u64 = 5;
/// …and they are at least this share of them. MS-RDPEUDP's congestion control reacts to
/// loss like TCP NewReno (MS-RDPEUDP 3.1.6.1), so the Mathis bound used for TCP applies: at
/// 5 % loss it allows about 5.5 datagrams per round trip (1.22/√0.05) — with 1232-byte
/// datagrams and a 40 ms RTT about 1.3 Mbit/s, less than screen updates need, seen by users
/// as lag on the transport chosen for interactivity.
pub const RDPUDP_LOSS_MIN_RATIO: f64 = 0.05;

/// A connection that starts within this many seconds after a failed one, between the same
/// client and server, is the client's retry (mstsc and FreeRDP reconnect at once after a
/// negotiation failure; mstsc's automatic reconnection retries every few seconds) — the
/// same window the diagnosis uses to group attempts.
pub const RETRY_WINDOW_SECS: f64 = 60.0;
