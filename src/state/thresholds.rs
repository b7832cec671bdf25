//! The thresholds the connection state uses to describe a connection — the phase it reached
//! ([`super::phase`]) and whether a reset was injected ([`super::rst_evidence`]) — each with
//! where its number comes from. The detectors' own thresholds are in
//! `src/detect/thresholds.rs`.

/// RST injection scoring (RDP-FACTS §8.2): a reset is reported as injected when its
/// evidence score reaches this. Strong signals (TTL unlike every other packet of the claimed
/// sender, data from the sender after its own reset) weigh 2, medium ones (IP ID out of
/// sequence, a reset faster than half the round trip after the peer's last packet — it may
/// not answer that packet — both directions reset within a millisecond) 1, weak ones (DF
/// bit) 0.5 — so one strong
/// signal, or two medium ones, are needed: the detector prefers false negatives (Weaver,
/// Sommer, Paxson, NDSS 2009).
pub const RST_INJECTED_MIN_SCORE: f64 = 2.0;
/// Reference packets from the claimed sender needed before its TTL or IP ID is trusted.
pub const RST_MIN_REFERENCE_PACKETS: usize = 2;
/// A reset arriving sooner than this fraction of the handshake RTT after the packet it
/// answers came from closer than the endpoint (RDP-FACTS §8.2 signal 6).
pub const RST_TOO_FAST_RTT_FRACTION: f64 = 0.5;
/// Resets from both sides within this many seconds of each other (signal 9).
pub const RST_BOTH_WAYS_SECS: f64 = 0.001;
/// IP ID window around the sender's last ID (signal 7): [last − 16, last + 1024].
pub const RST_IP_ID_BEHIND: u16 = 16;
pub const RST_IP_ID_AHEAD: u16 = 1024;

/// A connection that lasted this long with data both ways reached the "session" phase
/// (an RDP session is interactive; setup takes seconds at most).
pub const SESSION_MIN_SECS: f64 = 30.0;
/// …or moved at least this many bytes from server to client (bulk screen updates).
pub const SESSION_MIN_SERVER_BYTES: u64 = 256 * 1024;

/// …or carried at least this many data segments in all (the whole RDP setup, from X.224 to
/// connection finalization — MS-RDPBCGR 1.3.1.1 — takes about 30).
pub const SESSION_MIN_DATA_SEGMENTS: u64 = 60;
