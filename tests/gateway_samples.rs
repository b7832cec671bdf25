//! HTTP and RD Gateway (MS-TSGU HTTP transport) facts decoded from the four RD Gateway lab
//! captures, with the key logs beside them (samples/*.keys, picked up automatically). Every
//! frame number and value below was read with tshark 4.0.17 and its TLS key-log support, e.g.
//! `tshark -r samples/F.pcap -n -o tls.keylog_file:samples/F.keys -o http.desegment_body:FALSE
//! -T fields -e frame.number -e tcp.stream -e http.response.code -e tls.record.length` for
//! the HTTP responses and `-q -z follow,tls,hex,<stream>` for the RD Gateway packets (tshark
//! 4.0 has no RD Gateway dissector and does not recognise `RDG_OUT_DATA` / `RDG_IN_DATA` as
//! HTTP requests, so requests and packets are matched to frames by their TLS records).

mod common;

use rdptriage::proto::http::Framing;
use rdptriage::proto::rdg::summary::GatewaySummary;
use rdptriage::report::json::FileReport;

fn report(name: &str) -> FileReport {
    common::report_of(&common::project_dir().join("samples").join(name))
}

fn gateway(r: &FileReport, stream: u64) -> &GatewaySummary {
    let c = r
        .connections
        .iter()
        .find(|c| c.id == format!("tcp/{stream}"))
        .unwrap_or_else(|| panic!("tcp/{stream} missing"));
    c.gateway
        .as_ref()
        .unwrap_or_else(|| panic!("tcp/{stream}: no gateway summary"))
}

/// (frame, method) of each request and (frame, status, answered request's frame) of each
/// response.
type Exchange<'a> = (Vec<(u64, &'a str)>, Vec<(u64, u16, Option<u64>)>);

fn exchange(g: &GatewaySummary) -> Exchange<'_> {
    (
        g.requests
            .iter()
            .map(|r| (r.frame, r.method.as_str()))
            .collect(),
        g.responses
            .iter()
            .map(|r| (r.frame, r.status, r.answers_frame))
            .collect(),
    )
}

const OUT: &str = "RDG_OUT_DATA";
const IN: &str = "RDG_IN_DATA";

#[test]
fn target_unreachable_channel_response_names_the_error() {
    let r = report("rdg-target-unreachable-standin.pcap");
    let out = gateway(&r, 0);
    assert_eq!(out.channel, "out");
    // tshark: 401 at frame 13 (Content-Length 147), 200 at 16 (no Content-Length).
    assert_eq!(
        exchange(out),
        (
            vec![(10, OUT), (15, OUT)],
            vec![(13, 401, Some(10)), (16, 200, Some(15))]
        )
    );
    assert_eq!(out.responses[0].content_length, Some(147));
    assert_eq!(out.responses[0].framing, Framing::Length);
    assert_eq!(out.responses[0].www_authenticate, ["NTLM"]);
    assert_eq!(out.responses[1].framing, Framing::CloseDelimited);
    assert_eq!(out.responses[1].body_bytes_in_first_record, 10);
    assert_eq!(
        out.connection_id.as_deref(),
        Some("{42f62679-8690-9fcd-8941-66a34f87df7b}")
    );
    assert_eq!(
        (out.auth_legs, out.auth_schemes.as_slice()),
        (2, &["NTLM".to_string()][..])
    );
    assert_eq!(
        (out.final_status, out.final_status_frame),
        (Some(200), Some(16))
    );
    // Seed `ab cd` × 5, then the gateway's packets in frames 37, 40, 44 and 47 (follow,tls:
    // the server side ends with 09000000 10000000 dd590780 00000000).
    assert_eq!(out.seed_length, Some(10));
    let code = |x: &Option<rdptriage::proto::rdg::summary::RdgResult>| {
        x.as_ref().map(|h| (h.frame, h.code, h.name))
    };
    assert_eq!(code(&out.handshake), Some((37, 0, Some("S_OK"))));
    assert_eq!(code(&out.tunnel), Some((40, 0, Some("S_OK"))));
    assert_eq!(code(&out.tunnel_auth), Some((44, 0, Some("S_OK"))));
    assert_eq!(
        code(&out.channel_response),
        Some((47, 0x8007_59DD, Some("E_PROXY_TS_CONNECTFAILED")))
    );
    assert_eq!(
        out.channel_response.as_ref().map(|c| c.code_hex.as_str()),
        Some("0x800759DD")
    );
    assert!(out.malformed.is_empty() && out.bytes_missing.is_empty());

    let inn = gateway(&r, 1);
    assert_eq!(inn.channel, "in");
    // tshark: 401 at 30, 200 with Content-Length 0 at 33; the chunked request head in 34.
    assert_eq!(
        exchange(inn),
        (
            vec![(26, IN), (32, IN), (34, IN)],
            vec![(30, 401, Some(26)), (33, 200, Some(32))]
        )
    );
    assert!(inn.requests[2].chunked);
    assert_eq!(inn.requests[2].framing, Framing::Chunked);
    assert_eq!(inn.responses[1].content_length, Some(0));
    assert_eq!(inn.connection_id, out.connection_id);
    // The client's packets in chunks: frames 35, 39, 42 and 46 (tls.record.length 57).
    assert_eq!(inn.handshake_request_frame, Some(35));
    assert_eq!(inn.tunnel_create_frame, Some(39));
    assert_eq!(inn.tunnel_auth_frame, Some(42));
    assert_eq!(inn.client_name.as_deref(), Some("vm"));
    let cc = inn.channel_create.as_ref().unwrap();
    assert_eq!(
        (cc.frame, cc.resources.as_slice(), cc.port, cc.protocol),
        (46, &["10.0.2.2".to_string()][..], 3389, 3)
    );
}

#[test]
fn no_content_length_401_is_close_delimited_and_the_200_arrives_inside_it() {
    let r = report("rdg-no-content-length-standin.pcap");
    let out = gateway(&r, 0);
    assert_eq!(out.channel, "out");
    // tshark (-o http.desegment_body:FALSE): frame 13 is a 401 without Content-Length or
    // Transfer-Encoding; frame 16 a 200.
    assert_eq!(
        exchange(out),
        (
            vec![(10, OUT), (15, OUT)],
            vec![(13, 401, Some(10)), (16, 200, Some(15))]
        )
    );
    let unauthorized = &out.responses[0];
    assert_eq!(unauthorized.framing, Framing::CloseDelimited);
    assert_eq!(unauthorized.content_length, None);
    assert_eq!(unauthorized.body_bytes_in_first_record, 147);
    // The NTLM AUTHENTICATE leg (frame 15, tls.record.length 763) went out while that body
    // was, by RFC 9112, still running; the 200 began inside it.
    assert_eq!(out.requests[1].while_close_delimited_response, Some(13));
    assert!(out.request_during_close_delimited_body);
    let ok = &out.responses[1];
    assert_eq!(ok.inside_close_delimited_body_of, Some(13));
    assert_eq!(ok.previous_body_bytes, Some(147));
    assert_eq!(ok.framing, Framing::CloseDelimited);
    assert_eq!(ok.body_bytes_in_first_record, 10);
    assert_eq!(
        (out.final_status, out.final_status_frame),
        (Some(200), Some(16))
    );
    // The client closed (close_notify in frame 17) after the 10 seed bytes: no packet.
    assert_eq!(out.seed_length, None);
    assert!(out.handshake.is_none());
    assert_eq!(r.connections.len(), 1);
}

#[test]
fn auth_denied_ends_with_a_final_401() {
    let r = report("rdg-auth-denied-standin.pcap");
    let out = gateway(&r, 0);
    // tshark: 401 with an NTLM challenge at 13; 401 offering Negotiate and NTLM again, with
    // Content-Length, at 16; the gateway's FIN at 17.
    assert_eq!(
        exchange(out),
        (
            vec![(10, OUT), (15, OUT)],
            vec![(13, 401, Some(10)), (16, 401, Some(15))]
        )
    );
    assert_eq!(out.responses[0].www_authenticate, ["NTLM"]);
    assert_eq!(out.responses[1].www_authenticate, ["Negotiate", "NTLM"]);
    assert_eq!(out.responses[1].content_length, Some(147));
    assert_eq!(
        (out.final_status, out.final_status_frame),
        (Some(401), Some(16))
    );
    assert_eq!(out.auth_legs, 2);
    assert!(out.handshake.is_none() && out.seed_length.is_none());
}

#[test]
fn healthy_tunnel_reaches_rdp() {
    let r = report("rdg-healthy-standin.pcap");
    let out = gateway(&r, 0);
    // tshark: 401 at 13 (Content-Length 147), 200 without Content-Length at 16.
    assert_eq!(
        exchange(out),
        (
            vec![(10, OUT), (15, OUT)],
            vec![(13, 401, Some(10)), (16, 200, Some(15))]
        )
    );
    assert_eq!(out.seed_length, Some(10));
    let code = |x: &Option<rdptriage::proto::rdg::summary::RdgResult>| {
        x.as_ref().map(|h| (h.frame, h.code))
    };
    assert_eq!(code(&out.handshake), Some((37, 0)));
    assert_eq!(code(&out.tunnel), Some((40, 0)));
    assert_eq!(code(&out.tunnel_auth), Some((44, 0)));
    // CHANNEL_RESPONSE (frame 47): S_OK with channelId 1.
    assert_eq!(code(&out.channel_response), Some((47, 0)));
    assert_eq!(out.channel_id, Some(1));
    // The X.224 Connection Confirm from xrdp in the first DATA packet (frame 51).
    assert_eq!(out.first_server_data_frame, Some(51));
    assert_eq!(out.data_starts_with_tpkt, Some(true));
    // The inner session is short (`timeout 5`): 30 DATA packets from the gateway, 20 from
    // the client, fewer than the 33 after which decoding of a direction stops; all decoded.
    assert!(out.rdg_stopped.is_empty() && out.malformed.is_empty());
    assert!(out.close.is_empty());

    let inn = gateway(&r, 1);
    assert_eq!(inn.channel, "in");
    // tshark: 200 with Content-Length 0 at 33.
    assert_eq!(inn.final_status_frame, Some(33));
    assert_eq!(inn.first_client_data_frame, Some(49));
    assert_eq!(inn.data_starts_with_tpkt, Some(true));
    assert_eq!(inn.channel_create.as_ref().map(|c| c.frame), Some(46));
    assert!(inn.rdg_stopped.is_empty() && inn.malformed.is_empty());
}

#[test]
fn the_json_carries_the_gateway_without_credentials() {
    for name in [
        "rdg-target-unreachable-standin.pcap",
        "rdg-no-content-length-standin.pcap",
        "rdg-auth-denied-standin.pcap",
        "rdg-healthy-standin.pcap",
    ] {
        let r = report(name);
        let json = serde_json::to_value(&r).unwrap();
        let c0 = &json["connections"][0]["gateway"];
        assert_eq!(c0["channel"], "out", "{name}");
        assert_eq!(c0["requests"][0]["method"], "RDG_OUT_DATA", "{name}");
        let text = json.to_string();
        // NTLM messages (base64 "TlRMTVNTUAA…") never leave the decoder.
        assert!(!text.contains("TlRMTVNT"), "{name}");
    }
    // Without the key log there is nothing to decode.
    let options = rdptriage::analyze::AnalyzeOptions {
        sibling_key_logs: false,
        ..Default::default()
    };
    let path = common::project_dir()
        .join("samples")
        .join("rdg-target-unreachable-standin.pcap");
    let r = rdptriage::engine::file_report(
        rdptriage::analyze::analyze_path_with(&path, None, &options).unwrap(),
    );
    assert!(r.connections.iter().all(|c| c.gateway.is_none()));
}
