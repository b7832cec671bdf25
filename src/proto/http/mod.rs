//! HTTP/1.x on one connection (RFC 9112), as an RD Gateway client and server speak it once
//! TLS is decrypted: requests and responses are framed in both directions, paired in order,
//! and described as [`HttpObserved`] observations; the RD Gateway packets carried in bodies
//! and WebSocket frames go to [`crate::proto::rdg::RdgStream`]. [`GatewayDecoder`] is the
//! entry point (a [`StreamConsumer`] fed with plaintext).
//!
//! Framing follows RFC 9112 6.3: no body for responses to HEAD and for 1xx / 204 / 304;
//! `Transfer-Encoding` ending in `chunked` → chunked (decoded, [`chunked`]); another
//! `Transfer-Encoding` on a response → close-delimited; `Content-Length` → that many bytes;
//! a response with neither → close-delimited (its body ends only when the connection
//! closes); a request with neither → no body. After `101 Switching Protocols` to a WebSocket
//! upgrade both directions carry WebSocket frames ([`websocket`]).
//!
//! RD Gateway clients do not all read close-delimited bodies that way: FreeRDP and mstsc
//! take a response without `Content-Length` or chunked coding to have an empty body
//! (RDP-FACTS §4.5) and send their next request on the same connection. The decoder
//! describes that faithfully: the response's framing is `close_delimited`, a request sent
//! while such a body is running says so (`while_close_delimited_response`), and a record
//! that starts with a status line inside such a body is decoded as a new response that says
//! where it arrived (`inside_close_delimited_body_of`). It does not judge.
//!
//! Never recorded: credentials (of `Authorization` only the scheme word, of challenges only
//! scheme names, query values other than the gateway's identifiers are masked), cookies,
//! message bodies.

use super::observation::{Observation, Observed, SharedLog};
use super::rdg::{RdgObserved, RdgStream, Start};
use crate::capture::Timestamp;
use crate::flow::Side;
use crate::flow::consumer::{Chunk, StreamConsumer, Want};
use serde::Serialize;
use std::collections::VecDeque;

pub mod chunked;
pub mod head;
pub mod websocket;

use chunked::Dechunker;
use head::{Head, MAX_HEAD, StartLine};
use websocket::FrameReader;

/// Message heads decoded per direction; RD Gateway channels use three or four.
pub const MAX_MESSAGES: u32 = 16;
/// Body bytes per direction not carrying RD Gateway packets that are read (counted) before
/// the direction stops.
pub const MAX_SKIPPED_BODY: u64 = 1 << 20;
/// Observations this decoder records per connection (the TLS decoder shares the
/// connection's budget, [`crate::proto::observation::MAX_OBSERVATIONS_PER_CONNECTION`]).
pub const MAX_OBSERVATIONS: usize = 40;
/// Requests remembered while they wait for their response.
const MAX_PENDING: usize = 32;
/// Status line prefix searched for at the start of a record inside a close-delimited
/// body: `HTTP/1.` DIGIT SP 3DIGIT (RFC 9112 4).
const STATUS_PREFIX_LEN: usize = 12;

/// How a message body is delimited (RFC 9112 6.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Framing {
    /// `Content-Length` bytes (0 included).
    Length,
    /// `Transfer-Encoding: chunked`.
    Chunked,
    /// Until the connection closes (a response with neither, or with another transfer
    /// coding last).
    CloseDelimited,
    /// No body: a request with neither header, a response to HEAD, 1xx, 204, 304.
    None,
    /// `101 Switching Protocols`: the connection carries another protocol afterwards.
    Upgrade,
    /// 2xx to CONNECT: the connection becomes a tunnel.
    Tunnel,
}

/// RFC 9112 3 request line and the header fields that matter for an RD Gateway.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HttpRequest {
    pub method: String,
    /// Request target; query values other than ConId, CorId, AuthS, ClGen, ClBld are
    /// `<redacted>`.
    pub target: String,
    pub version: String,
    pub host: Option<String>,
    pub content_length: Option<u64>,
    pub transfer_encoding: Option<String>,
    pub chunked: bool,
    pub framing: Framing,
    pub connection: Option<String>,
    pub upgrade: Option<String>,
    pub user_agent: Option<String>,
    /// The scheme word of `Authorization` (`NTLM`, `Negotiate`, `Bearer`…): the
    /// credentials are never recorded.
    pub auth_scheme: Option<String>,
    /// What the `Authorization` token carries (its NTLM message type, SPNEGO state, size),
    /// never the token; `None` without `Authorization` or when it has no token.
    pub auth_token: Option<head::AuthToken>,
    /// The scheme word of `Proxy-Authorization`.
    pub proxy_auth_scheme: Option<String>,
    /// MS-TSGU 2.2.3.2.1 `RDG-Connection-Id` (or the `ConId` query parameter): pairs the IN
    /// and OUT channels.
    pub connection_id: Option<String>,
    /// `RDG-Correlation-Id` (or `CorId`): the attempt's correlation GUID.
    pub correlation_id: Option<String>,
    /// `RDG-Auth-Scheme` (`PAA`, `SSPI_NTLM`).
    pub rdg_auth_scheme: Option<String>,
    /// An `RDG-User-Id` header was sent (its value is not recorded).
    pub rdg_user_id_present: bool,
    pub header_count: usize,
    pub head_bytes: usize,
    /// Decoded body bytes delivered together with the head.
    pub body_bytes_in_first_record: u64,
    /// The server's previous response on this connection is close-delimited and its body was
    /// still running when this request arrived (by RFC 9112 that body only ends with the
    /// connection): the frame of that response.
    pub while_close_delimited_response: Option<u64>,
}

/// RFC 9112 4 status line and the header fields that matter for an RD Gateway.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HttpResponse {
    pub version: String,
    pub status: u16,
    pub reason: String,
    /// Method and frame of the request this response answers (requests and responses are
    /// paired in order; interim 1xx responses do not use up their request).
    pub answers_method: Option<String>,
    pub answers_frame: Option<u64>,
    /// 1xx other than 101.
    pub interim: bool,
    pub framing: Framing,
    pub content_length: Option<u64>,
    pub transfer_encoding: Option<String>,
    pub chunked: bool,
    pub content_type: Option<String>,
    pub server: Option<String>,
    pub connection: Option<String>,
    pub upgrade: Option<String>,
    /// `Location` with query values masked.
    pub location: Option<String>,
    /// Scheme names offered by `WWW-Authenticate` (`Negotiate`, `NTLM`…) — never the
    /// challenge data.
    pub www_authenticate: Vec<String>,
    /// The first `WWW-Authenticate` challenge that carries a token (an NTLM CHALLENGE, a
    /// SPNEGO response), described as for requests; `None` for bare offers (`Negotiate`).
    pub www_authenticate_token: Option<head::AuthToken>,
    pub proxy_authenticate: Vec<String>,
    pub websocket_accept_present: bool,
    pub header_count: usize,
    pub head_bytes: usize,
    /// Decoded body bytes delivered together with the head (the seed of the OUT channel's
    /// `200`, an error page…).
    pub body_bytes_in_first_record: u64,
    /// This response's status line began a record inside the close-delimited body of the
    /// previous response: the frame of that response. (By RFC 9112 these bytes belong to
    /// that body; a client that read it as empty reads them as this response.)
    pub inside_close_delimited_body_of: Option<u64>,
    /// With `inside_close_delimited_body_of`: bytes of that body before this status line.
    pub previous_body_bytes: Option<u64>,
}

/// What the HTTP decoder saw.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "http", rename_all = "snake_case")]
pub enum HttpObserved {
    Request(Box<HttpRequest>),
    Response(Box<HttpResponse>),
    /// RFC 6455 5.5.1 Close frame: status code (1000 normal, 1001 going away, …) and reason.
    WebSocketClose {
        code: Option<u16>,
        reason: String,
    },
    /// Bytes that are not HTTP/1.x (or a message that cannot be framed); decoding of this
    /// direction stopped. `offset` counts from the direction's first plaintext byte.
    Malformed {
        offset: u64,
        reason: String,
    },
    /// Plaintext of this direction was lost; decoding of the direction stopped (the frame is
    /// the one after the hole).
    BytesMissing {
        missing: u64,
    },
    /// Decoding of this direction stopped on a cap or a protocol switch (reason given).
    Stopped {
        reason: String,
    },
}

/// Does a direction's first plaintext start like HTTP/1.x? A request method token (capitals,
/// digits, `_`, `-`) and a space from the client, `HTTP/1.` from the server.
pub fn looks_like_http(first_bytes: &[u8], side: Side) -> bool {
    head::looks_like_http(first_bytes, side == Side::Client)
}

#[derive(Debug, Clone)]
struct Pending {
    method: String,
    frame: u64,
}

#[derive(Debug)]
enum Body {
    Length(u64),
    Chunked(Dechunker),
    Close,
}

#[derive(Debug)]
enum Sink {
    /// Counted, not kept.
    Count,
    Rdg(Box<RdgStream>),
}

#[derive(Debug)]
enum Phase {
    Head,
    Body {
        body: Body,
        sink: Sink,
    },
    /// Client: the request asked for an upgrade; what follows waits for the response.
    AwaitUpgrade,
    WebSocket {
        frames: FrameReader,
        rdg: Box<RdgStream>,
    },
    Done,
}

#[derive(Debug)]
struct Dir {
    phase: Phase,
    /// Head bytes (or, awaiting an upgrade, the bytes that followed the request).
    buf: Vec<u8>,
    /// Bytes of `buf` already searched for the end of the head.
    scanned: usize,
    /// Bytes of this direction consumed so far.
    offset: u64,
    /// Offset of the head being assembled.
    head_offset: u64,
    messages: u32,
    skipped: u64,
    /// Frame of the current message's head.
    msg_frame: u64,
    /// Index in the delivery's queue of the current message's observation.
    msg_obs: Option<usize>,
    body_bytes: u64,
    /// Nothing of the current delivery has been consumed yet.
    record_start: bool,
    /// A close-delimited body: bytes held back while they may be a status line.
    probing: bool,
    probe: Vec<u8>,
    /// The next response head began inside a close-delimited body: (its frame, body bytes).
    resumed: Option<(u64, u64)>,
    /// Awaiting an upgrade: the delivery the buffered bytes came with.
    held_chunk: Option<Chunk>,
}

impl Dir {
    fn new() -> Self {
        Dir {
            phase: Phase::Head,
            buf: Vec::new(),
            scanned: 0,
            offset: 0,
            head_offset: 0,
            messages: 0,
            skipped: 0,
            msg_frame: 0,
            msg_obs: None,
            body_bytes: 0,
            record_start: false,
            probing: false,
            probe: Vec::new(),
            resumed: None,
            held_chunk: None,
        }
    }

    fn done(&self) -> bool {
        matches!(self.phase, Phase::Done)
    }

    fn finish(&mut self) {
        self.phase = Phase::Done;
        self.buf = Vec::new();
        self.probe = Vec::new();
        self.probing = false;
    }
}

/// Decodes HTTP/1.x and the RD Gateway packets it carries, both directions of one
/// connection, from decrypted plaintext.
pub struct GatewayDecoder {
    stream: u64,
    log: SharedLog,
    client: Dir,
    server: Dir,
    pending: VecDeque<Pending>,
    /// Observations of the current delivery (recorded at its end, so that a message's
    /// observation can count the body bytes that came with it).
    queue: Vec<(Side, Chunk, Observed)>,
    cur: Chunk,
    recorded: usize,
}

fn escaped(b: &[u8]) -> String {
    b.iter()
        .take(24)
        .flat_map(|&c| std::ascii::escape_default(c))
        .map(char::from)
        .collect()
}

impl GatewayDecoder {
    pub fn new(stream: u64, log: SharedLog) -> Self {
        GatewayDecoder {
            stream,
            log,
            client: Dir::new(),
            server: Dir::new(),
            pending: VecDeque::new(),
            queue: Vec::new(),
            cur: Chunk {
                frame: 0,
                ts: Timestamp::default(),
                stream_offset: 0,
            },
            recorded: 0,
        }
    }

    fn dir(&mut self, side: Side) -> &mut Dir {
        match side {
            Side::Client => &mut self.client,
            Side::Server => &mut self.server,
        }
    }

    fn push(&mut self, side: Side, what: Observed) -> usize {
        self.queue.push((side, self.cur, what));
        self.queue.len() - 1
    }

    fn push_http(&mut self, side: Side, what: HttpObserved) -> usize {
        self.push(side, Observed::Http(Box::new(what)))
    }

    fn flush(&mut self) {
        for (side, chunk, what) in std::mem::take(&mut self.queue) {
            if self.recorded >= MAX_OBSERVATIONS {
                break;
            }
            self.recorded += 1;
            self.log.borrow_mut().record(
                self.stream,
                Observation {
                    frame: chunk.frame,
                    ts: chunk.ts,
                    from: side,
                    what,
                },
            );
        }
        self.client.msg_obs = None;
        self.server.msg_obs = None;
        if self.recorded >= MAX_OBSERVATIONS {
            self.client.finish();
            self.server.finish();
        }
    }

    fn malformed(&mut self, side: Side, offset: u64, reason: String) {
        self.push_http(side, HttpObserved::Malformed { offset, reason });
        self.dir(side).finish();
    }

    fn stopped(&mut self, side: Side, reason: String) {
        self.push_http(side, HttpObserved::Stopped { reason });
        self.dir(side).finish();
    }

    /// Decodes a run of bytes of one direction.
    fn consume(&mut self, side: Side, bytes: &[u8]) {
        let mut input = bytes;
        let mut stalls = 0;
        while !input.is_empty() {
            let used = match self.dir(side).phase {
                Phase::Done => break,
                Phase::Head => self.head_bytes(side, input),
                Phase::Body { .. } => self.body_bytes(side, input),
                Phase::AwaitUpgrade => self.await_bytes(side, input),
                Phase::WebSocket { .. } => self.websocket_bytes(side, input),
            }
            .min(input.len());
            if used == 0 {
                // Only a change of state may consume nothing; never spin.
                stalls += 1;
                if stalls > 4 {
                    let offset = self.dir(side).offset;
                    self.malformed(side, offset, "internal: no progress".into());
                    break;
                }
                continue;
            }
            stalls = 0;
            let d = self.dir(side);
            d.offset += used as u64;
            d.record_start = false;
            input = input.get(used..).unwrap_or_default();
        }
    }

    fn head_bytes(&mut self, side: Side, input: &[u8]) -> usize {
        let request = side == Side::Client;
        let d = self.dir(side);
        if d.buf.is_empty() {
            // RFC 9112 2.2: empty lines before a message are ignored.
            let blank = input
                .iter()
                .take_while(|&&b| b == b'\r' || b == b'\n')
                .count();
            if blank > 0 {
                return blank;
            }
            d.head_offset = d.offset;
            d.scanned = 0;
        }
        let take = MAX_HEAD.saturating_sub(d.buf.len()).min(input.len());
        d.buf
            .extend_from_slice(input.get(..take).unwrap_or_default());
        if !head::plausible_start(&d.buf, request) {
            let (offset, what) = (d.head_offset, escaped(&d.buf));
            let kind = if request { "request" } else { "response" };
            self.malformed(side, offset, format!("not an HTTP/1.x {kind}: \"{what}\""));
            return take;
        }
        match head::find_end(&d.buf, d.scanned) {
            Some(end) => {
                let extra = d.buf.len().saturating_sub(end);
                let mut h = std::mem::take(&mut d.buf);
                h.truncate(end);
                d.scanned = 0;
                self.on_head(side, &h);
                take.saturating_sub(extra)
            }
            None => {
                d.scanned = d.buf.len();
                if d.buf.len() >= MAX_HEAD {
                    let offset = d.head_offset;
                    self.malformed(side, offset, "message head longer than 16 KiB".into());
                }
                take
            }
        }
    }

    fn on_head(&mut self, side: Side, raw: &[u8]) {
        let offset = self.dir(side).head_offset;
        match head::parse(raw, side == Side::Client) {
            Err(e) => self.malformed(side, offset, e),
            Ok(h) if side == Side::Client => self.on_request(h, raw.len()),
            Ok(h) => self.on_response(h, raw.len()),
        }
    }

    fn on_request(&mut self, h: Head, head_bytes: usize) {
        let StartLine::Request {
            method,
            target,
            version,
        } = &h.start
        else {
            return;
        };
        let te = h.list("transfer-encoding");
        let chunked = te.last().is_some_and(|c| c.eq_ignore_ascii_case("chunked"));
        let cl_values: Vec<&[u8]> = h.all("content-length").collect();
        let (content_length, cl_error) = match head::content_length(&cl_values) {
            Ok(v) => (v, None),
            Err(e) => (None, Some(e)),
        };
        let upgrade = h.text("upgrade");
        let framing = if chunked {
            Framing::Chunked
        } else if content_length.is_some_and(|n| n > 0) {
            Framing::Length
        } else {
            Framing::None
        };
        let while_close = matches!(
            self.server.phase,
            Phase::Body {
                body: Body::Close,
                ..
            }
        )
        .then_some(self.server.msg_frame);
        let req = HttpRequest {
            method: method.clone(),
            target: target.clone(),
            version: version.clone(),
            host: h.text("host"),
            content_length,
            transfer_encoding: (!te.is_empty()).then(|| te.join(", ")),
            chunked,
            framing,
            connection: h.text("connection"),
            upgrade: upgrade.clone(),
            user_agent: h.text("user-agent"),
            auth_scheme: h.all("authorization").next().and_then(head::auth_scheme),
            auth_token: h
                .all("authorization")
                .next()
                .and_then(head::authorization_token),
            proxy_auth_scheme: h
                .all("proxy-authorization")
                .next()
                .and_then(head::auth_scheme),
            connection_id: h
                .text("rdg-connection-id")
                .or_else(|| head::query_param(target, "ConId")),
            correlation_id: h
                .text("rdg-correlation-id")
                .or_else(|| head::query_param(target, "CorId")),
            rdg_auth_scheme: h.text("rdg-auth-scheme"),
            rdg_user_id_present: h.has("rdg-user-id"),
            header_count: h.fields.len(),
            head_bytes,
            body_bytes_in_first_record: 0,
            while_close_delimited_response: while_close,
        };
        let is_rdg_in = method.eq_ignore_ascii_case("RDG_IN_DATA");
        let idx = self.push_http(Side::Client, HttpObserved::Request(Box::new(req)));
        if self.pending.len() < MAX_PENDING {
            self.pending.push_back(Pending {
                method: method.clone(),
                frame: self.cur.frame,
            });
        }
        let frame = self.cur.frame;
        let d = &mut self.client;
        d.msg_frame = frame;
        d.msg_obs = Some(idx);
        d.body_bytes = 0;
        d.messages += 1;
        let offset = d.head_offset;
        if !te.is_empty() && !chunked {
            // RFC 9112 6.3 item 4: a request whose length cannot be determined.
            self.malformed(
                Side::Client,
                offset,
                format!(
                    "request Transfer-Encoding \"{}\" does not end in chunked: its body length is unknown",
                    te.join(", ")
                ),
            );
            return;
        }
        if let (Some(e), false) = (cl_error, chunked) {
            self.malformed(Side::Client, offset, e);
            return;
        }
        let sink = || {
            if is_rdg_in {
                Sink::Rdg(Box::new(RdgStream::new(Start::Direct)))
            } else {
                Sink::Count
            }
        };
        let d = &mut self.client;
        d.phase = match (chunked, content_length) {
            (true, _) => Phase::Body {
                body: Body::Chunked(Dechunker::default()),
                sink: sink(),
            },
            (false, Some(n)) if n > 0 => Phase::Body {
                body: Body::Length(n),
                sink: sink(),
            },
            _ if upgrade.is_some() => Phase::AwaitUpgrade,
            _ => Phase::Head,
        };
        if d.messages >= MAX_MESSAGES {
            self.stopped(Side::Client, format!("{MAX_MESSAGES} requests decoded"));
        }
    }

    fn on_response(&mut self, h: Head, head_bytes: usize) {
        let StartLine::Status {
            version,
            status,
            reason,
        } = &h.start
        else {
            return;
        };
        let status = *status;
        let interim = (100..200).contains(&status) && status != 101;
        let answered = if interim {
            self.pending.front().cloned()
        } else {
            self.pending.pop_front()
        };
        let method = answered.as_ref().map(|p| p.method.as_str()).unwrap_or("");
        let te = h.list("transfer-encoding");
        let chunked = te.last().is_some_and(|c| c.eq_ignore_ascii_case("chunked"));
        let cl_values: Vec<&[u8]> = h.all("content-length").collect();
        let (content_length, cl_error) = match head::content_length(&cl_values) {
            Ok(v) => (v, None),
            Err(e) => (None, Some(e)),
        };
        let upgrade = h.text("upgrade");
        let framing = if status == 101 {
            Framing::Upgrade
        } else if interim || status == 204 || status == 304 || method == "HEAD" {
            Framing::None
        } else if method == "CONNECT" && (200..300).contains(&status) {
            Framing::Tunnel
        } else if !te.is_empty() {
            if chunked {
                Framing::Chunked
            } else {
                Framing::CloseDelimited
            }
        } else if cl_error.is_some() {
            // RFC 9112 6.3 item 5: an invalid Content-Length is an unrecoverable error.
            Framing::CloseDelimited
        } else if content_length.is_some() {
            Framing::Length
        } else {
            Framing::CloseDelimited
        };
        let resumed = self.server.resumed.take();
        let resp = HttpResponse {
            version: version.clone(),
            status,
            reason: reason.clone(),
            answers_method: answered.as_ref().map(|p| p.method.clone()),
            answers_frame: answered.as_ref().map(|p| p.frame),
            interim,
            framing,
            content_length,
            transfer_encoding: (!te.is_empty()).then(|| te.join(", ")),
            chunked,
            content_type: h.text("content-type"),
            server: h.text("server"),
            connection: h.text("connection"),
            upgrade: upgrade.clone(),
            location: h.text("location").map(|l| head::redact_target(&l)),
            www_authenticate: h
                .all("www-authenticate")
                .flat_map(head::challenge_schemes)
                .collect(),
            www_authenticate_token: h.all("www-authenticate").find_map(head::challenge_token),
            proxy_authenticate: h
                .all("proxy-authenticate")
                .flat_map(head::challenge_schemes)
                .collect(),
            websocket_accept_present: h.has("sec-websocket-accept"),
            header_count: h.fields.len(),
            head_bytes,
            body_bytes_in_first_record: 0,
            inside_close_delimited_body_of: resumed.map(|r| r.0),
            previous_body_bytes: resumed.map(|r| r.1),
        };
        let rdg_out = (200..300).contains(&status) && method.eq_ignore_ascii_case("RDG_OUT_DATA");
        let idx = self.push_http(Side::Server, HttpObserved::Response(Box::new(resp)));
        let frame = self.cur.frame;
        let d = &mut self.server;
        d.msg_frame = frame;
        d.msg_obs = Some(idx);
        d.body_bytes = 0;
        d.messages += 1;
        let offset = d.head_offset;
        if let (Some(e), Framing::CloseDelimited) = (cl_error, framing) {
            self.malformed(Side::Server, offset, e);
            return;
        }
        let sink = || {
            if rdg_out {
                Sink::Rdg(Box::new(RdgStream::new(Start::Seeded)))
            } else {
                Sink::Count
            }
        };
        match framing {
            Framing::Upgrade => {
                let websocket = upgrade
                    .as_deref()
                    .is_some_and(|u| u.to_ascii_lowercase().contains("websocket"));
                if !websocket {
                    let to = upgrade.unwrap_or_else(|| "an unnamed protocol".into());
                    self.stopped(Side::Server, format!("switched to {to}"));
                    self.stopped(Side::Client, format!("switched to {to}"));
                    return;
                }
                let d = &mut self.server;
                d.msg_obs = None;
                d.phase = Phase::WebSocket {
                    frames: FrameReader::default(),
                    rdg: Box::new(RdgStream::new(Start::MaybeSeeded)),
                };
                let c = &self.client;
                if matches!(c.phase, Phase::AwaitUpgrade)
                    || (matches!(c.phase, Phase::Head) && c.buf.is_empty())
                {
                    self.replay_client(true);
                }
            }
            Framing::Tunnel => {
                self.stopped(Side::Server, "CONNECT tunnel established".into());
                self.stopped(Side::Client, "CONNECT tunnel established".into());
                return;
            }
            Framing::None => d.phase = Phase::Head,
            Framing::Length if content_length == Some(0) => d.phase = Phase::Head,
            Framing::Length => {
                d.phase = Phase::Body {
                    body: Body::Length(content_length.unwrap_or(0)),
                    sink: sink(),
                }
            }
            Framing::Chunked => {
                d.phase = Phase::Body {
                    body: Body::Chunked(Dechunker::default()),
                    sink: sink(),
                }
            }
            Framing::CloseDelimited => {
                d.phase = Phase::Body {
                    body: Body::Close,
                    sink: sink(),
                }
            }
        }
        if !interim
            && framing != Framing::Upgrade
            && matches!(self.client.phase, Phase::AwaitUpgrade)
        {
            // The upgrade was refused: what the client sent meanwhile is HTTP again.
            self.replay_client(false);
        }
        if self.server.messages >= MAX_MESSAGES && !self.server.done() {
            self.stopped(Side::Server, format!("{MAX_MESSAGES} responses decoded"));
        }
    }

    /// The client's bytes held while its upgrade request waited for an answer, decoded now
    /// as WebSocket frames or HTTP.
    fn replay_client(&mut self, websocket: bool) {
        let d = &mut self.client;
        let held = std::mem::take(&mut d.buf);
        d.offset = d.offset.saturating_sub(held.len() as u64);
        d.phase = if websocket {
            d.msg_obs = None;
            Phase::WebSocket {
                frames: FrameReader::default(),
                rdg: Box::new(RdgStream::new(Start::MaybeSeeded)),
            }
        } else {
            Phase::Head
        };
        let chunk = d.held_chunk.take();
        if held.is_empty() {
            return;
        }
        let now = self.cur;
        self.cur = chunk.unwrap_or(now);
        self.consume(Side::Client, &held);
        self.cur = now;
    }

    fn await_bytes(&mut self, side: Side, input: &[u8]) -> usize {
        let chunk = self.cur;
        let d = self.dir(side);
        let take = MAX_HEAD.saturating_sub(d.buf.len()).min(input.len());
        d.buf
            .extend_from_slice(input.get(..take).unwrap_or_default());
        d.held_chunk = Some(chunk);
        if d.buf.len() >= MAX_HEAD {
            self.stopped(
                side,
                "16 KiB sent after an upgrade request without an answer".into(),
            );
        }
        take.max(1).min(input.len())
    }

    /// Body bytes of the current message: counted, or handed to the RD Gateway decoder.
    fn sink_bytes(&mut self, side: Side, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        let n = bytes.len() as u64;
        let d = self.dir(side);
        d.body_bytes += n;
        if let Some(i) = d.msg_obs
            && let Some((_, _, Observed::Http(o))) = self.queue.get_mut(i)
        {
            match &mut **o {
                HttpObserved::Request(r) => r.body_bytes_in_first_record += n,
                HttpObserved::Response(r) => r.body_bytes_in_first_record += n,
                _ => {}
            }
        }
        let d = self.dir(side);
        let rdg = match &mut d.phase {
            Phase::Body {
                sink: Sink::Rdg(r), ..
            } => Some(r),
            Phase::WebSocket { rdg, .. } => Some(rdg),
            _ => None,
        };
        match rdg {
            Some(r) => {
                let mut out: Vec<RdgObserved> = Vec::new();
                r.feed(bytes, &mut out);
                let done = r.is_done();
                for o in out {
                    self.push(side, Observed::Rdg(Box::new(o)));
                }
                if done {
                    self.dir(side).finish();
                }
            }
            None => {
                d.skipped += n;
                if d.skipped > MAX_SKIPPED_BODY {
                    self.stopped(
                        side,
                        format!(
                            "more than {MAX_SKIPPED_BODY} body bytes without RD Gateway packets"
                        ),
                    );
                }
            }
        }
    }

    fn end_message(&mut self, side: Side) {
        let d = self.dir(side);
        d.phase = Phase::Head;
        d.msg_obs = None;
    }

    fn body_bytes(&mut self, side: Side, input: &[u8]) -> usize {
        let d = self.dir(side);
        if side == Side::Server
            && let Phase::Body {
                body: Body::Close,
                sink,
            } = &d.phase
        {
            let boundary = match sink {
                Sink::Count => true,
                Sink::Rdg(r) => r.at_boundary(),
            };
            if d.record_start && boundary && !d.probing {
                d.probing = true;
                d.probe.clear();
            }
            d.record_start = false;
            if d.probing {
                return self.probe_bytes(side, input);
            }
        }
        let d = self.dir(side);
        let Phase::Body { body, .. } = &mut d.phase else {
            return 0;
        };
        match body {
            Body::Length(n) => {
                let k = usize::try_from(*n).unwrap_or(usize::MAX).min(input.len());
                *n -= k as u64;
                let ended = *n == 0;
                self.sink_bytes(side, input.get(..k).unwrap_or_default());
                if ended && !self.dir(side).done() {
                    self.end_message(side);
                }
                k
            }
            Body::Chunked(dc) => match dc.step(input) {
                Err(e) => {
                    let offset = d.offset;
                    self.malformed(side, offset, e);
                    input.len()
                }
                Ok(chunked::Step::Framing { consumed }) => consumed,
                Ok(chunked::Step::Data { len }) => {
                    self.sink_bytes(side, input.get(..len).unwrap_or_default());
                    len
                }
                Ok(chunked::Step::End { consumed }) => {
                    self.end_message(side);
                    consumed
                }
            },
            Body::Close => {
                self.sink_bytes(side, input);
                input.len()
            }
        }
    }

    /// Inside a close-delimited response body, at the start of a delivery: holds bytes back
    /// while they match a status line; a full match starts a new response head.
    fn probe_bytes(&mut self, side: Side, input: &[u8]) -> usize {
        let d = self.dir(side);
        let mut used = 0;
        for &b in input {
            let ok = match d.probe.len() {
                i @ 0..=6 => b"HTTP/1.".get(i) == Some(&b),
                7 | 9..=11 => b.is_ascii_digit(),
                8 => b == b' ',
                _ => false,
            };
            if !ok {
                d.probing = false;
                let held = std::mem::take(&mut d.probe);
                self.sink_bytes(side, &held);
                return used;
            }
            d.probe.push(b);
            used += 1;
            if d.probe.len() == STATUS_PREFIX_LEN {
                d.probing = false;
                d.resumed = Some((d.msg_frame, d.body_bytes));
                d.buf = std::mem::take(&mut d.probe);
                d.scanned = 0;
                d.head_offset = (d.offset + used as u64).saturating_sub(STATUS_PREFIX_LEN as u64);
                d.phase = Phase::Head;
                d.msg_obs = None;
                return used;
            }
        }
        used
    }

    fn websocket_bytes(&mut self, side: Side, input: &[u8]) -> usize {
        let d = self.dir(side);
        let offset = d.offset;
        let Phase::WebSocket { frames, .. } = &mut d.phase else {
            return 0;
        };
        match frames.step(input) {
            Err(e) => {
                self.malformed(side, offset, e);
                input.len()
            }
            Ok(websocket::Step::Skipped { consumed }) => consumed,
            Ok(websocket::Step::Binary { consumed, data }) => {
                self.sink_bytes(side, &data);
                consumed
            }
            Ok(websocket::Step::Close {
                consumed,
                code,
                reason,
            }) => {
                self.push_http(side, HttpObserved::WebSocketClose { code, reason });
                consumed
            }
        }
    }

    fn want(&self, side: Side) -> Want {
        let d = match side {
            Side::Client => &self.client,
            Side::Server => &self.server,
        };
        if d.done() { Want::Done } else { Want::More }
    }
}

impl StreamConsumer for GatewayDecoder {
    fn data(&mut self, side: Side, bytes: &[u8], chunk: Chunk) -> Want {
        if self.dir(side).done() {
            return Want::Done;
        }
        self.cur = chunk;
        self.dir(side).record_start = true;
        self.consume(side, bytes);
        self.flush();
        self.want(side)
    }

    fn gap(&mut self, side: Side, missing: u64, frame: u64) -> Want {
        if !self.dir(side).done() {
            self.cur = Chunk {
                frame,
                ts: self.cur.ts,
                stream_offset: 0,
            };
            self.push_http(side, HttpObserved::BytesMissing { missing });
            self.dir(side).finish();
            self.flush();
        }
        Want::Done
    }
}

#[cfg(test)]
mod samples;
#[cfg(test)]
mod tests;
