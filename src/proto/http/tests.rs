use super::samples::{AUTH_DENIED, HEALTHY, NO_CONTENT_LENGTH, TARGET_UNREACHABLE};
use super::*;
use crate::proto::observation::ObservationLog;
use crate::proto::rdg::summary::GatewaySummary;
use std::cell::RefCell;
use std::rc::Rc;

type Record<'a> = (u64, u64, Side, &'a [u8]);

fn chunk(frame: u64) -> Chunk {
    Chunk {
        frame,
        ts: Timestamp(frame as i64 * 1000),
        stream_offset: 0,
    }
}

/// Feeds the records of one TCP stream, each cut in pieces of `piece` bytes (0: whole),
/// as the TLS decoder would deliver them; returns the observations.
fn run(records: &[Record], stream: u64, piece: usize) -> Vec<Observation> {
    let log: SharedLog = Rc::new(RefCell::new(ObservationLog::default()));
    let mut d = GatewayDecoder::new(7, log.clone());
    let mut done = [false; 2];
    for &(frame, s, side, bytes) in records {
        if s != stream {
            continue;
        }
        let i = usize::from(side == Side::Server);
        let pieces: Vec<&[u8]> = if piece == 0 {
            vec![bytes]
        } else {
            bytes.chunks(piece).collect()
        };
        for p in pieces {
            if done[i] {
                break;
            }
            done[i] = d.data(side, p, chunk(frame)) == Want::Done;
        }
    }
    let log = log.borrow();
    log.by_stream.get(&7).cloned().unwrap_or_default()
}

fn http(o: &Observation) -> Option<&HttpObserved> {
    match &o.what {
        Observed::Http(h) => Some(h),
        _ => None,
    }
}

fn request(o: &Observation) -> &HttpRequest {
    match http(o) {
        Some(HttpObserved::Request(r)) => r,
        other => panic!("frame {}: not a request: {other:?}", o.frame),
    }
}

fn response(o: &Observation) -> &HttpResponse {
    match http(o) {
        Some(HttpObserved::Response(r)) => r,
        other => panic!("frame {}: not a response: {other:?}", o.frame),
    }
}

fn rdg(o: &Observation) -> &RdgObserved {
    match &o.what {
        Observed::Rdg(r) => r,
        other => panic!("frame {}: not RD Gateway: {other:?}", o.frame),
    }
}

/// (frame, sender, short description) of each observation.
fn outline(obs: &[Observation]) -> Vec<(u64, Side, String)> {
    obs.iter()
        .map(|o| {
            let what = match &o.what {
                Observed::Http(h) => match &**h {
                    HttpObserved::Request(r) => format!("request {}", r.method),
                    HttpObserved::Response(r) => format!("response {}", r.status),
                    other => format!("{other:?}"),
                },
                Observed::Rdg(r) => {
                    let s = format!("{r:?}");
                    s.split([' ', '{']).next().unwrap_or_default().to_string()
                }
                other => format!("{other:?}"),
            };
            (o.frame, o.from, what)
        })
        .collect()
}

/// The observations with the one split-dependent field cleared, for comparing runs.
fn normalized(obs: &[Observation]) -> String {
    let mut v = obs.to_vec();
    for o in &mut v {
        if let Observed::Http(h) = &mut o.what {
            match &mut **h {
                HttpObserved::Request(r) => r.body_bytes_in_first_record = 0,
                HttpObserved::Response(r) => r.body_bytes_in_first_record = 0,
                _ => {}
            }
        }
    }
    format!("{v:?}")
}

const GUID: &str = "{42f62679-8690-9fcd-8941-66a34f87df7b}";

#[test]
fn target_unreachable_out_channel() {
    // Frames as tshark shows them: 401 at 13, 200 at 16, the gateway's packets at 37, 40,
    // 44, 47 (CHANNEL_RESPONSE ending in dd 59 07 80).
    let obs = run(TARGET_UNREACHABLE, 0, 0);
    let s = |f: u64, side: Side, w: &str| (f, side, w.to_string());
    assert_eq!(
        outline(&obs),
        vec![
            s(10, Side::Client, "request RDG_OUT_DATA"),
            s(13, Side::Server, "response 401"),
            s(15, Side::Client, "request RDG_OUT_DATA"),
            s(16, Side::Server, "response 200"),
            s(37, Side::Server, "Seed"),
            s(37, Side::Server, "HandshakeResponse"),
            s(40, Side::Server, "TunnelResponse"),
            s(44, Side::Server, "TunnelAuthResponse"),
            s(47, Side::Server, "ChannelResponse"),
        ]
    );
    let r = request(&obs[0]);
    assert_eq!(r.target, "/remoteDesktopGateway/");
    assert_eq!(r.version, "HTTP/1.1");
    assert_eq!(r.host.as_deref(), Some("10.0.2.2"));
    assert_eq!(r.content_length, Some(0));
    assert_eq!(r.framing, Framing::None);
    assert_eq!(r.auth_scheme.as_deref(), Some("NTLM"));
    assert_eq!(r.connection_id.as_deref(), Some(GUID));
    assert_eq!(r.correlation_id, None);
    assert_eq!(r.user_agent.as_deref(), Some("MS-RDGateway/1.0"));
    assert_eq!(r.connection.as_deref(), Some("Keep-Alive"));
    assert_eq!((r.header_count, r.head_bytes), (9, 330));
    let a = response(&obs[1]);
    assert_eq!((a.status, a.reason.as_str()), (401, "Unauthorized"));
    assert_eq!(a.answers_method.as_deref(), Some("RDG_OUT_DATA"));
    assert_eq!(a.answers_frame, Some(10));
    assert_eq!(a.framing, Framing::Length);
    assert_eq!(a.content_length, Some(147));
    assert_eq!(a.body_bytes_in_first_record, 147);
    assert_eq!(a.www_authenticate, ["NTLM"]);
    assert_eq!(a.content_type.as_deref(), Some("text/html"));
    assert_eq!(a.server.as_deref(), Some("Microsoft-IIS/10.0"));
    assert_eq!(a.inside_close_delimited_body_of, None);
    let ok = response(&obs[3]);
    assert_eq!((ok.status, ok.answers_frame), (200, Some(15)));
    assert_eq!(ok.framing, Framing::CloseDelimited);
    assert_eq!(ok.content_length, None);
    assert_eq!(ok.body_bytes_in_first_record, 10);
    assert_eq!(request(&obs[2]).while_close_delimited_response, None);
    assert!(
        matches!(rdg(&obs[4]), RdgObserved::Seed { length: 10, seed_hex } if seed_hex == "abcdabcdabcdabcdabcd")
    );
    assert!(matches!(
        rdg(&obs[8]),
        RdgObserved::ChannelResponse {
            error_code: 0x8007_59DD,
            error_name: Some("E_PROXY_TS_CONNECTFAILED"),
            ..
        }
    ));

    let g = GatewaySummary::from_observations(&obs).unwrap();
    assert_eq!(g.channel, "out");
    assert_eq!(g.connection_id.as_deref(), Some(GUID));
    assert_eq!(
        (g.auth_legs, g.auth_schemes.clone()),
        (2, vec!["NTLM".into()])
    );
    assert_eq!(
        (g.final_status, g.final_status_frame),
        (Some(200), Some(16))
    );
    assert_eq!(g.seed_length, Some(10));
    assert_eq!(
        g.handshake.as_ref().map(|h| (h.frame, h.code)),
        Some((37, 0))
    );
    assert_eq!(g.tunnel.as_ref().map(|h| (h.frame, h.code)), Some((40, 0)));
    assert_eq!(
        g.tunnel_auth.as_ref().map(|h| (h.frame, h.code)),
        Some((44, 0))
    );
    let c = g.channel_response.as_ref().unwrap();
    assert_eq!((c.frame, c.code), (47, 0x8007_59DD));
    assert_eq!(c.code_hex, "0x800759DD");
    assert_eq!(c.name, Some("E_PROXY_TS_CONNECTFAILED"));
    assert!(!g.request_during_close_delimited_body);
    assert!(g.malformed.is_empty());
}

#[test]
fn target_unreachable_in_channel() {
    let obs = run(TARGET_UNREACHABLE, 1, 0);
    let s = |f: u64, side: Side, w: &str| (f, side, w.to_string());
    assert_eq!(
        outline(&obs),
        vec![
            s(26, Side::Client, "request RDG_IN_DATA"),
            s(30, Side::Server, "response 401"),
            s(32, Side::Client, "request RDG_IN_DATA"),
            s(33, Side::Server, "response 200"),
            s(34, Side::Client, "request RDG_IN_DATA"),
            s(35, Side::Client, "HandshakeRequest"),
            s(39, Side::Client, "TunnelCreate"),
            s(42, Side::Client, "TunnelAuth"),
            s(46, Side::Client, "ChannelCreate"),
        ]
    );
    let ok = response(&obs[3]);
    assert_eq!((ok.framing, ok.content_length), (Framing::Length, Some(0)));
    assert_eq!(ok.answers_frame, Some(32));
    let data = request(&obs[4]);
    assert!(data.chunked);
    assert_eq!(data.framing, Framing::Chunked);
    assert_eq!(data.transfer_encoding.as_deref(), Some("chunked"));
    assert_eq!(data.content_length, None);
    assert_eq!(data.auth_scheme, None);
    assert_eq!(data.body_bytes_in_first_record, 0);
    let g = GatewaySummary::from_observations(&obs).unwrap();
    assert_eq!(g.channel, "in");
    assert_eq!(g.connection_id.as_deref(), Some(GUID));
    assert_eq!(
        (g.final_status, g.final_status_frame),
        (Some(200), Some(33))
    );
    assert_eq!(g.auth_legs, 2);
    assert_eq!(g.handshake_request_frame, Some(35));
    assert_eq!(g.tunnel_create_frame, Some(39));
    assert_eq!(
        (g.tunnel_auth_frame, g.client_name.as_deref()),
        (Some(42), Some("vm"))
    );
    let cc = g.channel_create.as_ref().unwrap();
    assert_eq!(
        (cc.frame, cc.resources.clone(), cc.port, cc.protocol),
        (46, vec!["10.0.2.2".to_string()], 3389, 3)
    );
    assert_eq!(g.seed_length, None);
}

#[test]
fn response_without_content_length_then_a_new_request_and_a_200_inside_its_body() {
    // samples/rdg-no-content-length-standin.pcap: the 401 (frame 13) has an HTML body but
    // neither Content-Length nor chunked; the client sends its NTLM leg (15) anyway and the
    // gateway's 200 (16) arrives where RFC 9112 still counts the 401's body.
    let obs = run(NO_CONTENT_LENGTH, 0, 0);
    let s = |f: u64, side: Side, w: &str| (f, side, w.to_string());
    assert_eq!(
        outline(&obs),
        vec![
            s(10, Side::Client, "request RDG_OUT_DATA"),
            s(13, Side::Server, "response 401"),
            s(15, Side::Client, "request RDG_OUT_DATA"),
            s(16, Side::Server, "response 200"),
        ]
    );
    let unauthorized = response(&obs[1]);
    assert_eq!(unauthorized.framing, Framing::CloseDelimited);
    assert_eq!(unauthorized.content_length, None);
    assert_eq!(unauthorized.transfer_encoding, None);
    assert_eq!(unauthorized.body_bytes_in_first_record, 147);
    assert_eq!(unauthorized.www_authenticate, ["NTLM"]);
    assert_eq!(request(&obs[2]).while_close_delimited_response, Some(13));
    let ok = response(&obs[3]);
    assert_eq!(ok.status, 200);
    assert_eq!(ok.inside_close_delimited_body_of, Some(13));
    assert_eq!(ok.previous_body_bytes, Some(147));
    assert_eq!(ok.answers_method.as_deref(), Some("RDG_OUT_DATA"));
    assert_eq!(ok.answers_frame, Some(15));
    assert_eq!(ok.framing, Framing::CloseDelimited);
    assert_eq!(ok.body_bytes_in_first_record, 10);
    let g = GatewaySummary::from_observations(&obs).unwrap();
    assert!(g.request_during_close_delimited_body);
    assert_eq!(g.responses[1].inside_close_delimited_body_of, Some(13));
    assert_eq!(
        (g.final_status, g.final_status_frame),
        (Some(200), Some(16))
    );
    // Only the 10 seed bytes came: no packet to locate.
    assert_eq!(g.seed_length, None);
    assert!(g.handshake.is_none());
}

#[test]
fn auth_denied_ends_with_a_final_401() {
    let obs = run(AUTH_DENIED, 0, 0);
    assert_eq!(obs.len(), 4);
    assert_eq!(response(&obs[1]).www_authenticate, ["NTLM"]);
    let last = response(&obs[3]);
    assert_eq!((last.status, last.content_length), (401, Some(147)));
    assert_eq!(last.www_authenticate, ["Negotiate", "NTLM"]);
    assert_eq!(last.answers_frame, Some(15));
    let g = GatewaySummary::from_observations(&obs).unwrap();
    assert_eq!(
        (g.final_status, g.final_status_frame),
        (Some(401), Some(16))
    );
    assert_eq!(g.auth_legs, 2);
    assert!(g.handshake.is_none());
}

#[test]
fn healthy_tunnel_carries_rdp() {
    let out = GatewaySummary::from_observations(&run(HEALTHY, 0, 0)).unwrap();
    let c = out.channel_response.as_ref().unwrap();
    assert_eq!((c.frame, c.code, out.channel_id), (47, 0, Some(1)));
    assert_eq!(out.first_server_data_frame, Some(51));
    assert_eq!(out.data_starts_with_tpkt, Some(true));
    let inn = GatewaySummary::from_observations(&run(HEALTHY, 1, 0)).unwrap();
    assert_eq!(inn.first_client_data_frame, Some(49));
    assert_eq!(inn.data_starts_with_tpkt, Some(true));
}

#[test]
fn any_split_gives_the_same_observations() {
    for (records, streams) in [
        (TARGET_UNREACHABLE, &[0u64, 1][..]),
        (NO_CONTENT_LENGTH, &[0][..]),
        (AUTH_DENIED, &[0][..]),
        (HEALTHY, &[0, 1][..]),
    ] {
        for &stream in streams {
            let whole = normalized(&run(records, stream, 0));
            for piece in [1, 2, 7, 100] {
                assert_eq!(
                    normalized(&run(records, stream, piece)),
                    whole,
                    "stream {stream}, pieces of {piece}"
                );
            }
        }
    }
}

#[test]
fn credentials_never_reach_the_observations() {
    for records in [TARGET_UNREACHABLE, NO_CONTENT_LENGTH, AUTH_DENIED, HEALTHY] {
        for stream in [0, 1] {
            let obs = run(records, stream, 0);
            let json = serde_json::to_string(&obs).unwrap();
            assert!(!json.contains("TlRM"), "{json}");
            if !obs.is_empty() {
                assert!(json.contains(r#""type":"http","http":"request""#), "{json}");
            }
            if let Some(g) = GatewaySummary::from_observations(&obs) {
                assert!(!serde_json::to_string(&g).unwrap().contains("TlRM"));
            }
        }
    }
}

#[test]
fn looks_like_http_on_the_samples() {
    for &(_, _, side, bytes) in TARGET_UNREACHABLE.iter().take(4) {
        assert!(looks_like_http(bytes, side));
        assert!(!looks_like_http(bytes, side.other()));
    }
    assert!(!looks_like_http(b"\x03\x00\x00\x13\x0e\xe0", Side::Client));
    assert!(!looks_like_http(b"\x02\x00\x00\x00\x12\x00", Side::Server));
}

fn feed(d: &mut GatewayDecoder, side: Side, frame: u64, bytes: &[u8]) -> Want {
    d.data(side, bytes, chunk(frame))
}

fn decoder() -> (GatewayDecoder, SharedLog) {
    let log: SharedLog = Rc::new(RefCell::new(ObservationLog::default()));
    (GatewayDecoder::new(7, log.clone()), log)
}

fn observations(log: &SharedLog) -> Vec<Observation> {
    log.borrow().by_stream.get(&7).cloned().unwrap_or_default()
}

#[test]
fn framing_rules() {
    let (mut d, log) = decoder();
    feed(
        &mut d,
        Side::Client,
        1,
        b"HEAD / HTTP/1.1\r\nHost: a\r\n\r\nGET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\nGET /c HTTP/1.1\r\nExpect: 100-continue\r\n\r\nGET /d HTTP/1.1\r\n\r\nGET /e HTTP/1.1\r\n\r\n",
    );
    feed(
        &mut d,
        Side::Server,
        2,
        b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n\
          HTTP/1.1 204 No Content\r\n\r\n\
          HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n\
          HTTP/1.1 100 Continue\r\n\r\n\
          HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nX-Trailer: 1\r\n\r\n\
          HTTP/1.0 200 OK\r\nContent-Length: 3, 3\r\n\r\nabc\
          HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n\x1f\x8b",
    );
    let obs = observations(&log);
    let responses: Vec<(u16, Option<String>, Framing, bool, u64)> = obs
        .iter()
        .filter_map(|o| match http(o) {
            Some(HttpObserved::Response(r)) => Some((
                r.status,
                r.answers_method.clone(),
                r.framing,
                r.interim,
                r.body_bytes_in_first_record,
            )),
            _ => None,
        })
        .collect();
    let head = Some("HEAD".to_string());
    let get = Some("GET".to_string());
    assert_eq!(
        responses,
        vec![
            (200, head, Framing::None, false, 0),
            (204, get.clone(), Framing::None, false, 0),
            (304, get.clone(), Framing::None, false, 0),
            (100, get.clone(), Framing::None, true, 0),
            (200, get.clone(), Framing::Chunked, false, 5),
            (200, get.clone(), Framing::Length, false, 3),
            (200, get, Framing::CloseDelimited, false, 2),
        ]
    );
    // The 100 did not use up the request: the chunked 200 answers /c too.
    let answers: Vec<Option<u64>> = obs
        .iter()
        .filter_map(|o| match http(o) {
            Some(HttpObserved::Response(r)) => Some(r.answers_frame),
            _ => None,
        })
        .collect();
    assert!(answers.iter().all(|&f| f == Some(1)));
}

#[test]
fn bad_lengths_and_garbage_stop_the_direction() {
    let (mut d, log) = decoder();
    assert_eq!(
        feed(
            &mut d,
            Side::Client,
            1,
            b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"
        ),
        Want::Done
    );
    assert_eq!(
        feed(
            &mut d,
            Side::Server,
            2,
            b"HTTP/1.1 200 OK\r\nContent-Length: 5, 6\r\n\r\n"
        ),
        Want::Done
    );
    let obs = observations(&log);
    assert!(
        matches!(http(&obs[0]), Some(HttpObserved::Malformed { offset: 0, reason }) if reason.contains("\\x16\\x03"))
    );
    assert!(matches!(http(&obs[1]), Some(HttpObserved::Response(_))));
    assert!(
        matches!(http(&obs[2]), Some(HttpObserved::Malformed { reason, .. }) if reason.contains("conflicting"))
    );

    let (mut d, log) = decoder();
    feed(
        &mut d,
        Side::Client,
        1,
        b"POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n",
    );
    feed(
        &mut d,
        Side::Server,
        2,
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffff\r\n",
    );
    let obs = observations(&log);
    assert_eq!(obs.len(), 4);
    assert!(
        matches!(http(&obs[1]), Some(HttpObserved::Malformed { reason, .. }) if reason.contains("gzip"))
    );
    assert!(
        matches!(http(&obs[3]), Some(HttpObserved::Malformed { reason, .. }) if reason.contains("2^40"))
    );

    // A head that never ends.
    let (mut d, log) = decoder();
    let mut want = Want::More;
    for i in 0..40 {
        let line = format!("X-{i}: {}\r\n", "a".repeat(500));
        let bytes = if i == 0 {
            format!("GET / HTTP/1.1\r\n{line}")
        } else {
            line
        };
        want = feed(&mut d, Side::Client, i, bytes.as_bytes());
        if want == Want::Done {
            break;
        }
    }
    assert_eq!(want, Want::Done);
    assert!(
        matches!(http(&observations(&log)[0]), Some(HttpObserved::Malformed { reason, .. }) if reason.contains("16 KiB"))
    );

    // A truncated head: nothing to say yet.
    let (mut d, log) = decoder();
    assert_eq!(
        feed(&mut d, Side::Server, 1, b"HTTP/1.1 401 Unauthor"),
        Want::More
    );
    assert!(observations(&log).is_empty());
}

#[test]
fn huge_bodies_are_skipped_then_the_direction_stops() {
    let (mut d, log) = decoder();
    feed(
        &mut d,
        Side::Client,
        1,
        b"RPC_OUT_DATA /rpc/rpcproxy.dll?gw:3388 HTTP/1.1\r\n\r\n",
    );
    feed(
        &mut d,
        Side::Server,
        2,
        b"HTTP/1.1 200 Success\r\nContent-Length: 1073741824\r\n\r\n",
    );
    let block = vec![0u8; 64 * 1024];
    let mut want = Want::More;
    for i in 0..40 {
        want = feed(&mut d, Side::Server, 3 + i, &block);
        if want == Want::Done {
            break;
        }
    }
    assert_eq!(want, Want::Done);
    let obs = observations(&log);
    assert!(matches!(
        http(obs.last().unwrap()),
        Some(HttpObserved::Stopped { .. })
    ));
    let g = GatewaySummary::from_observations(&obs).unwrap();
    assert_eq!(g.channel, "rpc_out");
    assert_eq!(g.requests[0].target, "/rpc/rpcproxy.dll?gw:3388");
}

#[test]
fn message_and_observation_caps() {
    let (mut d, log) = decoder();
    let mut want = Want::More;
    for i in 0..100 {
        want = feed(
            &mut d,
            Side::Client,
            i,
            b"RDG_OUT_DATA / HTTP/1.1\r\nContent-Length: 0\r\n\r\n",
        );
        if want == Want::Done {
            break;
        }
    }
    assert_eq!(want, Want::Done);
    let obs = observations(&log);
    assert_eq!(obs.len(), MAX_MESSAGES as usize + 1);
    assert!(obs.len() <= MAX_OBSERVATIONS);
}

#[test]
fn a_gap_stops_the_direction() {
    let (mut d, log) = decoder();
    feed(&mut d, Side::Server, 1, b"HTTP/1.1 200 OK\r\n\r\n");
    assert_eq!(d.gap(Side::Server, 1400, 9), Want::Done);
    assert_eq!(feed(&mut d, Side::Server, 10, b"more"), Want::Done);
    let obs = observations(&log);
    assert_eq!(obs[1].frame, 9);
    assert!(matches!(
        http(&obs[1]),
        Some(HttpObserved::BytesMissing { missing: 1400 })
    ));
    let g = GatewaySummary::from_observations(&obs).unwrap();
    assert_eq!(g.bytes_missing[0].bytes, 1400);
}

fn ws_frame(payload: &[u8], key: Option<[u8; 4]>, opcode: u8) -> Vec<u8> {
    let mut f = vec![0x80 | opcode];
    let mask = if key.is_some() { 0x80 } else { 0 };
    if payload.len() < 126 {
        f.push(mask | payload.len() as u8);
    } else {
        f.push(mask | 126);
        f.extend_from_slice(&(payload.len() as u16).to_be_bytes());
    }
    match key {
        Some(k) => {
            f.extend_from_slice(&k);
            f.extend(payload.iter().enumerate().map(|(i, b)| b ^ k[i % 4]));
        }
        None => f.extend_from_slice(payload),
    }
    f
}

#[test]
fn websocket_transport() {
    // The WebSocket variant (RDP-FACTS §4.2): the OUT request itself upgrades; both
    // directions then carry RD Gateway packets in binary frames, the client's masked.
    for early in [false, true] {
        let (mut d, log) = decoder();
        let handshake_request = b"\x01\x00\x00\x00\x0e\x00\x00\x00\x01\x00\x00\x00\x00\x00";
        let client_frame = ws_frame(handshake_request, Some([0x12, 0x34, 0x56, 0x78]), 2);
        let mut req =
            b"RDG_OUT_DATA /remoteDesktopGateway/?CorId={c0}&ClmTk=eyJhbGciOi HTTP/1.1\r\n\
            Host: gw.example\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\
            Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
            RDG-Connection-Id: {c1}\r\nAuthorization: Bearer eyJ0eXAi\r\n\r\n"
                .to_vec();
        if early {
            // The client's first frame in the same record as its request.
            req.extend_from_slice(&client_frame);
        }
        feed(&mut d, Side::Client, 1, &req);
        feed(
            &mut d,
            Side::Server,
            2,
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
              Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n",
        );
        if !early {
            feed(&mut d, Side::Client, 3, &client_frame);
        }
        let resp = b"\x02\x00\x00\x00\x12\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00";
        let mut server = ws_frame(&resp[..5], None, 2);
        server.extend(ws_frame(&resp[5..], None, 2));
        server.extend(ws_frame(b"\x03\xe8", None, 8));
        feed(&mut d, Side::Server, 4, &server);
        let obs = observations(&log);
        let r = request(&obs[0]);
        assert_eq!(
            r.target,
            "/remoteDesktopGateway/?CorId={c0}&ClmTk=<redacted>"
        );
        assert_eq!(r.correlation_id.as_deref(), Some("{c0}"));
        assert_eq!(r.connection_id.as_deref(), Some("{c1}"));
        assert_eq!(r.auth_scheme.as_deref(), Some("Bearer"));
        assert_eq!(r.upgrade.as_deref(), Some("websocket"));
        let up = response(&obs[1]);
        assert_eq!((up.status, up.framing), (101, Framing::Upgrade));
        assert!(up.websocket_accept_present);
        let g = GatewaySummary::from_observations(&obs).unwrap();
        assert_eq!(g.channel, "websocket", "{obs:?}");
        assert_eq!(g.handshake_request_frame, Some(if early { 1 } else { 3 }));
        assert_eq!(
            g.handshake.as_ref().map(|h| (h.frame, h.code)),
            Some((4, 0))
        );
        assert_eq!(g.seed_length, Some(0));
        let close = g.websocket_close.as_ref().unwrap();
        assert_eq!((close.frame, close.code), (4, Some(1000)));
        let json = serde_json::to_string(&obs).unwrap();
        assert!(!json.contains("eyJ"), "{json}");
    }
    // An upgrade the server refuses: the client's next request is HTTP again.
    let (mut d, log) = decoder();
    feed(
        &mut d,
        Side::Client,
        1,
        b"GET / HTTP/1.1\r\nUpgrade: websocket\r\n\r\nGET /again HTTP/1.1\r\n\r\n",
    );
    feed(
        &mut d,
        Side::Server,
        2,
        b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n",
    );
    let obs = observations(&log);
    assert_eq!(obs.len(), 3);
    assert_eq!(request(&obs[2]).target, "/again");
    assert_eq!(obs[2].frame, 1);
}

#[test]
fn random_input_never_panics() {
    // A small xorshift generator: deterministic, no dependency.
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let prefixes: [&[u8]; 4] = [
        b"",
        b"RDG_IN_DATA / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
        b"HTTP/1.1 200 OK\r\n\r\n",
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n",
    ];
    for round in 0..400 {
        let (mut d, log) = decoder();
        for step in 0..20 {
            let side = if next() % 2 == 0 {
                Side::Client
            } else {
                Side::Server
            };
            let len = (next() % 300) as usize;
            let mut bytes: Vec<u8> = if step == 0 {
                prefixes[round % 4].to_vec()
            } else {
                Vec::new()
            };
            bytes.extend((0..len).map(|_| {
                let r = next();
                // Mostly bytes that keep parsers going: digits, CRLF, header text.
                match r % 8 {
                    0 => b'\r',
                    1 => b'\n',
                    2 => b"0123456789abcdef"[(r >> 8) as usize % 16],
                    3 => (r >> 8) as u8,
                    _ => b"HTTP/1.1 200 OK: \x02\x00\x0a"[(r >> 8) as usize % 20],
                }
            }));
            if next() % 17 == 0 {
                d.gap(side, 10, step);
            } else {
                feed(&mut d, side, step, &bytes);
            }
        }
        let obs = observations(&log);
        assert!(obs.len() <= MAX_OBSERVATIONS);
        let _ = serde_json::to_string(&obs).unwrap();
        if let Some(g) = GatewaySummary::from_observations(&obs) {
            let _ = serde_json::to_string(&g).unwrap();
        }
    }
}
