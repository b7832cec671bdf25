//! Runs the pipeline over one input: capture → link layer → net → flow. Owns nothing but
//! the wiring and the per-file counters that belong to no single stage.

use crate::capture::{self, CaptureError, CaptureInfo, CaptureReader, Frame, LinkLayer};
use crate::flow::consumer::ConsumerFactory;
use crate::flow::{CloseTimers, Conversation, FlowStats, FlowTable, Protocol};
use crate::net::{Decoded, Decoder, NetStats, tunnel};
use crate::proto::Decoders;
use crate::proto::decrypt::{self, KeyRing, KeyStore, RsaKeys, SharedKeys};
use crate::proto::observation::{Observation, ObservationLog, SharedLog};
use serde::Serialize;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;
use std::rc::Rc;
use std::sync::Arc;

/// How often (in frames) fragment timeouts are checked.
const EXPIRE_EVERY: u64 = 4096;
/// Tunnels unwrapped inside one frame.
const MAX_TUNNEL_DEPTH: usize = 3;

/// Frames the link-layer stage could not use, by reason.
#[derive(Debug, Clone, Default, Serialize)]
pub struct LinkStats {
    /// Frames per link type this tool does not decode.
    pub unsupported_link_types: BTreeMap<u32, u64>,
    pub truncated_link_headers: u64,
    /// NULL / LOOP frames whose address family is neither IPv4 nor IPv6.
    pub unknown_address_families: u64,
}

/// What a run gives every input it analyses.
#[derive(Debug, Clone)]
pub struct AnalyzeOptions {
    /// Key logs given for the whole run (`--keylog`), already read.
    pub key_log: Option<Arc<KeyStore>>,
    /// Names of the files `key_log` was read from, for the report.
    pub key_log_files: Vec<String>,
    /// Read `<capture>.keys` (or `.keylog`, `.sslkeylog`) beside each capture.
    pub sibling_key_logs: bool,
    /// The servers' RSA private keys (`--rsa-key`), already read: they open `TLS_RSA_*`
    /// sessions whose certificate has their public key.
    pub rsa_keys: Option<Arc<RsaKeys>>,
}

impl Default for AnalyzeOptions {
    fn default() -> Self {
        AnalyzeOptions {
            key_log: None,
            key_log_files: Vec::new(),
            sibling_key_logs: true,
            rsa_keys: None,
        }
    }
}

/// Where the TLS session secrets of an input came from.
#[derive(Debug, Clone, Default, Serialize)]
pub struct DecryptionInfo {
    /// Key-log files used (the run's `--keylog` files, then the one beside the capture).
    pub key_logs: Vec<String>,
    /// pcapng Decryption Secrets Blocks holding a TLS key log.
    pub secrets_blocks: u64,
    /// Sessions whose secrets the input's own key material (beside-file, blocks) holds.
    pub sessions_with_secrets: usize,
    /// Key-log problems (unreadable file, lines that are not key-log lines).
    pub problems: Vec<String>,
    /// Files of the servers' RSA private keys given (`--rsa-key`).
    pub rsa_keys: Vec<String>,
}

/// Everything learned from one input.
pub struct Analysis {
    pub name: String,
    pub gzip: bool,
    pub capture: CaptureInfo,
    pub link: LinkStats,
    pub net: NetStats,
    pub flow: FlowStats,
    pub conversations: Vec<Conversation>,
    /// What the protocol decoders saw, by TCP stream number.
    pub observations: BTreeMap<u64, Vec<Observation>>,
    /// What the RDP-UDP decoder saw, by UDP stream number.
    pub rdp_udp: BTreeMap<u64, crate::proto::rdpudp::RdpUdpFlow>,
    /// DNS lookups, by UDP stream number.
    pub dns: BTreeMap<u64, crate::proto::dns::DnsConversation>,
    /// RDP session traffic after connection finalization, counted per TCP stream.
    pub rdp_traffic: BTreeMap<u64, crate::proto::rdp::observed::SessionTraffic>,
    /// The state of every TCP connection (stage reached, how it ended), computed once.
    pub states: crate::state::States,
    pub decryption: DecryptionInfo,
}

impl Analysis {
    /// An analysis of `name` with no conversations and no counters.
    pub fn empty(name: String, capture: CaptureInfo) -> Self {
        Analysis {
            name,
            gzip: false,
            capture,
            link: LinkStats::default(),
            net: Default::default(),
            flow: Default::default(),
            conversations: Vec::new(),
            states: Default::default(),
            observations: BTreeMap::new(),
            rdp_udp: BTreeMap::new(),
            dns: BTreeMap::new(),
            rdp_traffic: BTreeMap::new(),
            decryption: DecryptionInfo::default(),
        }
    }
}

/// An input that could not be analysed at all.
#[derive(Debug, thiserror::Error)]
pub enum AnalyzeError {
    #[error("{name}: cannot open: {reason}")]
    Open { name: String, reason: String },
    #[error("{name}: {source}")]
    Capture { name: String, source: CaptureError },
    /// A Windows event trace (pktmon, `netsh trace`): packets, but not in a capture format.
    #[error(
        "{name}: a Windows event trace (.etl from pktmon or netsh trace), not a pcap or pcapng \
         capture: convert it on Windows with `pktmon etl2pcap {name} --out {stem}.pcapng` \
         (pktmon, Windows 10 2004 and later) or `etl2pcapng {name} {stem}.pcapng` (netsh trace; \
         https://github.com/microsoft/etl2pcapng), then analyse the .pcapng"
    )]
    WindowsTrace { name: String, stem: String },
}

/// Is `name` a Windows event trace by its extension?
pub fn is_etl_name(name: &str) -> bool {
    name.to_ascii_lowercase().ends_with(".etl")
}

/// Analyses the file at `path` (`-` = standard input). `factory` replaces the protocol
/// decoders (tests use it to read streams themselves); `None` runs the standard ones.
pub fn analyze_path(
    path: &Path,
    factory: Option<Box<dyn ConsumerFactory>>,
) -> Result<Analysis, AnalyzeError> {
    analyze_path_with(path, factory, &AnalyzeOptions::default())
}

/// [`analyze_path`] with the run's options (key logs).
pub fn analyze_path_with(
    path: &Path,
    factory: Option<Box<dyn ConsumerFactory>>,
    options: &AnalyzeOptions,
) -> Result<Analysis, AnalyzeError> {
    let name = path.display().to_string();
    let source = capture::open_source(path).map_err(|e| AnalyzeError::Open {
        name: name.clone(),
        reason: e.to_string(),
    })?;
    let (keys, decryption) = keys_for(path, options);
    analyze_reader_with(name, source.reader, source.gzip, factory, keys, decryption)
}

/// The TLS secrets for the capture at `path`: the run's key logs and RSA keys, and those
/// beside the capture (`<capture>.keys`, …) unless the run says not to look there.
pub fn keys_for(path: &Path, options: &AnalyzeOptions) -> (SharedKeys, DecryptionInfo) {
    let mut own = KeyStore::default();
    let mut decryption = DecryptionInfo {
        key_logs: options.key_log_files.clone(),
        rsa_keys: options
            .rsa_keys
            .as_ref()
            .map(|k| k.files())
            .unwrap_or_default(),
        ..Default::default()
    };
    let sibling = options
        .sibling_key_logs
        .then(|| decrypt::sibling_key_log(path))
        .flatten();
    if let Some(sibling) = sibling {
        match decrypt::read_key_log(&sibling, &mut own) {
            Ok(valid) => {
                if valid == 0 {
                    decryption.problems.push(decrypt::no_key_lines(&sibling));
                }
                decryption.key_logs.push(sibling.display().to_string())
            }
            Err(e) => decryption.problems.push(e.to_string()),
        }
    }
    // The server's RSA key beside the capture joins the run's `--rsa-key` files.
    let rsa_keys = match options
        .sibling_key_logs
        .then(|| decrypt::sibling_rsa_key(path))
        .flatten()
    {
        Some(file) => {
            let mut keys = options.rsa_keys.as_deref().cloned().unwrap_or_default();
            match keys.read_file(&file) {
                Ok(_) => decryption.rsa_keys.push(file.display().to_string()),
                Err(e) => decryption.problems.push(e.to_string()),
            }
            Some(Arc::new(keys))
        }
        None => options.rsa_keys.clone(),
    };
    (
        Rc::new(KeyRing::new(options.key_log.clone(), own).with_rsa_keys(rsa_keys)),
        decryption,
    )
}

/// Analyses a capture read from `reader` (already decompressed).
pub fn analyze_reader(
    name: String,
    reader: impl Read,
    gzip: bool,
    factory: Option<Box<dyn ConsumerFactory>>,
) -> Result<Analysis, AnalyzeError> {
    analyze_reader_with(
        name,
        reader,
        gzip,
        factory,
        Rc::new(KeyRing::default()),
        DecryptionInfo::default(),
    )
}

/// [`analyze_reader`] decrypting TLS with `keys` (which also receive the capture's own
/// Decryption Secrets Blocks as they are read; a caller's `factory` may share them).
pub fn analyze_reader_with(
    name: String,
    reader: impl Read,
    gzip: bool,
    factory: Option<Box<dyn ConsumerFactory>>,
    keys: SharedKeys,
    decryption: DecryptionInfo,
) -> Result<Analysis, AnalyzeError> {
    let pipeline = RefCell::new(Pipeline::new(factory, keys));
    let capture = read_capture(
        &name,
        reader,
        |frame| pipeline.borrow_mut().frame(frame),
        |secrets| pipeline.borrow_mut().secrets(secrets),
    )?;
    Ok(pipeline
        .into_inner()
        .finish(name, gzip, capture, decryption))
}

/// Reads a capture, mapping its errors to the input's name (and recognising a Windows
/// event trace by its name).
pub fn read_capture(
    name: &str,
    reader: impl Read,
    on_frame: impl FnMut(&Frame<'_>),
    on_secrets: impl FnMut(&capture::DecryptionSecrets),
) -> Result<CaptureInfo, AnalyzeError> {
    CaptureReader::read_with_secrets(reader, on_frame, on_secrets).map_err(|source| match source {
        CaptureError::NotACapture { .. } if is_etl_name(name) => AnalyzeError::WindowsTrace {
            stem: name[..name.len() - 4].to_string(),
            name: name.to_string(),
        },
        source => AnalyzeError::Capture {
            name: name.to_string(),
            source,
        },
    })
}

/// What the protocol decoders saw on one conversation, taken out of the log with it.
#[derive(Default)]
pub struct ConversationFacts {
    pub observations: Option<Vec<Observation>>,
    /// Boxed: most closed conversations have none, and closed conversations wait in the
    /// engine for their attempt window (a flood's hundred thousand of them).
    pub rdp_udp: Option<Box<crate::proto::rdpudp::RdpUdpFlow>>,
    pub dns: Option<crate::proto::dns::DnsConversation>,
    pub rdp_traffic: Option<crate::proto::rdp::observed::SessionTraffic>,
}

/// A conversation that is over, with what was decoded from it.
pub struct ClosedConversation {
    pub conversation: Conversation,
    pub facts: ConversationFacts,
}

/// Stages 1–4 fed one frame at a time: link layer, net, flow with reassembly, the protocol
/// decoders. [`Pipeline::finish`] gives the whole input's [`Analysis`];
/// [`Pipeline::take_closed`] hands on conversations as they end when the flow table was
/// asked to close them as it goes.
pub struct Pipeline {
    decoder: Decoder,
    flows: FlowTable,
    link: LinkStats,
    log: SharedLog,
    keys: SharedKeys,
    secrets_blocks: u64,
    /// The latest frame time seen.
    pub now: Option<capture::Timestamp>,
    /// The last frame's number.
    pub frames: u64,
}

impl Pipeline {
    pub fn new(factory: Option<Box<dyn ConsumerFactory>>, keys: SharedKeys) -> Self {
        let log: SharedLog = Rc::new(RefCell::new(ObservationLog::default()));
        let factory = factory.unwrap_or_else(|| {
            Box::new(Decoders {
                log: log.clone(),
                keys: Some(keys.clone()),
            })
        });
        Pipeline {
            decoder: Decoder::new(),
            flows: FlowTable::new(Some(factory)),
            link: LinkStats::default(),
            log,
            keys,
            secrets_blocks: 0,
            now: None,
            frames: 0,
        }
    }

    /// Hands conversations on as they end ([`Pipeline::take_closed`]).
    pub fn close_as_you_go(&mut self, timers: CloseTimers) {
        self.flows.close_as_you_go(timers);
    }

    /// A pcapng Decryption Secrets Block.
    pub fn secrets(&mut self, secrets: &capture::DecryptionSecrets) {
        if secrets.secrets_type == decrypt::SECRETS_TYPE_TLS_KEY_LOG {
            self.secrets_blocks += 1;
            self.keys.add_secrets(&secrets.data);
        }
    }

    /// One frame through link layer, net and flow (and the decoders behind it).
    pub fn frame(&mut self, frame: &Frame<'_>) {
        self.frames = frame.number;
        self.now = Some(self.now.map_or(frame.ts, |t| t.max(frame.ts)));
        if frame.number.is_multiple_of(EXPIRE_EVERY) {
            self.decoder.expire(frame.ts);
        }
        let net = match capture::strip_link_layer(frame.link_type, frame.data) {
            Ok(net) => net,
            Err(LinkLayer::UnsupportedLinkType(lt)) => {
                *self.link.unsupported_link_types.entry(lt).or_insert(0) += 1;
                return;
            }
            Err(LinkLayer::Truncated) => {
                self.link.truncated_link_headers += 1;
                return;
            }
            Err(LinkLayer::UnknownAddressFamily(_)) => {
                self.link.unknown_address_families += 1;
                return;
            }
        };
        let mut next = Some(net);
        let mut depth = 0;
        while let Some(net) = next.take() {
            match self.decoder.decode(net, frame.ts) {
                Decoded::Packet(packet) => {
                    self.flows.add(frame, &packet);
                    depth += 1;
                    if depth <= MAX_TUNNEL_DEPTH {
                        next = tunnel::inner(&packet);
                    }
                }
                Decoded::Reassembled(header) => self
                    .flows
                    .add(frame, &self.decoder.reassembled_packet(header)),
                Decoded::FragmentHeld | Decoded::NotIp(_) | Decoded::Error(_) => {}
            }
        }
    }

    /// The conversations over at `now`, with their decoded facts taken out of the log.
    pub fn take_closed(&mut self, now: capture::Timestamp) -> Vec<ClosedConversation> {
        let closed = self.flows.take_closed(now);
        if closed.is_empty() {
            return Vec::new();
        }
        let mut log = self.log.borrow_mut();
        closed
            .into_iter()
            .map(|conversation| {
                let stream = conversation.stream;
                let facts = match conversation.protocol {
                    Protocol::Tcp => ConversationFacts {
                        observations: log.by_stream.remove(&stream),
                        rdp_traffic: log.rdp_traffic.remove(&stream),
                        ..Default::default()
                    },
                    Protocol::Udp => ConversationFacts {
                        rdp_udp: log.rdp_udp.remove(&stream).map(Box::new),
                        dns: log.dns.remove(&stream),
                        ..Default::default()
                    },
                };
                ClosedConversation {
                    conversation,
                    facts,
                }
            })
            .collect()
    }

    /// End of input when closing as it goes: every conversation still open, closed.
    pub fn take_all(&mut self) -> Vec<ClosedConversation> {
        self.decoder.finish();
        self.take_closed(capture::Timestamp(i64::MAX))
    }

    /// When the earliest conversation between `a` and `b` still open began (when closing
    /// as it goes).
    pub fn earliest_open_between(
        &self,
        a: std::net::IpAddr,
        b: std::net::IpAddr,
    ) -> Option<capture::Timestamp> {
        self.flows.earliest_open_between(a, b)
    }

    /// Flow counters so far.
    pub fn flow_stats(&self) -> &FlowStats {
        &self.flows.stats
    }

    /// At the end of an input read as it goes (after [`Pipeline::take_all`]): its counters
    /// as an analysis without conversations (what a document's `file` part is made of).
    pub fn counters(
        &self,
        name: String,
        gzip: bool,
        capture: CaptureInfo,
        mut decryption: DecryptionInfo,
    ) -> Analysis {
        decryption.secrets_blocks = self.secrets_blocks;
        decryption.sessions_with_secrets = self.keys.own_sessions();
        Analysis {
            gzip,
            link: self.link.clone(),
            net: self.decoder.stats.clone(),
            flow: self.flows.stats.clone(),
            decryption,
            ..Analysis::empty(name, capture)
        }
    }

    /// The whole input's analysis, at its end.
    pub fn finish(
        mut self,
        name: String,
        gzip: bool,
        capture: CaptureInfo,
        decryption: DecryptionInfo,
    ) -> Analysis {
        self.decoder.finish();
        self.flows.finish();
        let mut analysis = self.counters(name, gzip, capture, decryption);
        {
            let mut log = self.log.borrow_mut();
            analysis.observations = std::mem::take(&mut log.by_stream);
            analysis.rdp_udp = std::mem::take(&mut log.rdp_udp);
            analysis.dns = std::mem::take(&mut log.dns);
            analysis.rdp_traffic = std::mem::take(&mut log.rdp_traffic);
        }
        analysis.conversations = self.flows.into_conversations();
        analysis.states = crate::state::build_all(
            &analysis.conversations,
            &analysis.observations,
            &analysis.rdp_traffic,
            None,
        );
        analysis
    }
}
