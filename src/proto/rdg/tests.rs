use super::*;

/// An HTTP_PACKET_HEADER and body.
fn packet(t: u16, body: &[u8]) -> Vec<u8> {
    let mut p = t.to_le_bytes().to_vec();
    p.extend_from_slice(&[0, 0]);
    p.extend_from_slice(&(body.len() as u32 + 8).to_le_bytes());
    p.extend_from_slice(body);
    p
}

fn utf16(s: &str) -> Vec<u8> {
    let mut b: Vec<u8> = s
        .encode_utf16()
        .chain([0])
        .flat_map(u16::to_le_bytes)
        .collect();
    let mut out = (b.len() as u16).to_le_bytes().to_vec();
    out.append(&mut b);
    out
}

fn feed_all(start: Start, bytes: &[u8], piece: usize) -> (Vec<RdgObserved>, bool) {
    let mut s = RdgStream::new(start);
    let mut out = Vec::new();
    for p in bytes.chunks(piece.max(1)) {
        s.feed(p, &mut out);
    }
    (out, s.is_done())
}

/// The OUT channel body of samples/rdg-target-unreachable-standin.pcap after the `200`
/// head (frames 16, 37, 40, 44, 47): Windows-style seed, HANDSHAKE_RESPONSE,
/// TUNNEL_RESPONSE, TUNNEL_AUTH_RESPONSE, CHANNEL_RESPONSE with E_PROXY_TS_CONNECTFAILED.
const OUT_BODY: &[u8] = b"\xab\xcd\xab\xcd\xab\xcd\xab\xcd\xab\xcd\
\x02\x00\x00\x00\x12\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00\
\x05\x00\x00\x00\x12\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\
\x07\x00\x00\x00\x10\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\
\x09\x00\x00\x00\x10\x00\x00\x00\xdd\x59\x07\x80\x00\x00\x00\x00";

/// The IN channel's de-chunked body of the same capture (frames 35, 39, 42, 46).
const IN_BODY: &[u8] = b"\x01\x00\x00\x00\x0e\x00\x00\x00\x01\x00\x00\x00\x00\x00\
\x04\x00\x00\x00\x10\x00\x00\x00\x0d\x00\x00\x00\x00\x00\x00\x00\
\x06\x00\x00\x00\x12\x00\x00\x00\x00\x00\x06\x00v\x00m\x00\x00\x00\
\x08\x00\x00\x00\x22\x00\x00\x00\x01\x00\x3d\x0d\x03\x00\x12\x001\x000\x00.\x000\x00.\x002\x00.\x002\x00\x00\x00";

fn out_expected() -> Vec<RdgObserved> {
    vec![
        RdgObserved::Seed {
            length: 10,
            seed_hex: "abcdabcdabcdabcdabcd".into(),
        },
        RdgObserved::HandshakeResponse {
            error_code: 0,
            error_name: Some("S_OK"),
            version_major: 1,
            version_minor: 0,
            server_version: 0,
            extended_auth: 0,
            extended_auth_names: vec![],
        },
        RdgObserved::TunnelResponse {
            server_version: 0,
            status_code: 0,
            status_name: Some("S_OK"),
            fields_present: 0,
            tunnel_id: None,
            caps: None,
            caps_names: vec![],
            consent_message_length: None,
        },
        RdgObserved::TunnelAuthResponse {
            error_code: 0,
            error_name: Some("S_OK"),
            fields_present: 0,
            redirect_flags: None,
            redirect_flag_names: vec![],
            idle_timeout_minutes: None,
        },
        RdgObserved::ChannelResponse {
            error_code: 0x8007_59DD,
            error_name: Some("E_PROXY_TS_CONNECTFAILED"),
            fields_present: 0,
            channel_id: None,
            udp_port: None,
            authn_cookie_length: None,
        },
    ]
}

#[test]
fn out_channel_of_the_target_unreachable_sample_in_any_split() {
    for piece in [1, 2, 3, 5, 8, 17, 18, 64, 1000] {
        let (out, done) = feed_all(Start::Seeded, OUT_BODY, piece);
        assert_eq!(out, out_expected(), "piece {piece}");
        assert!(!done);
    }
}

#[test]
fn in_channel_of_the_target_unreachable_sample() {
    for piece in [1, 4, 9, 100] {
        let (out, _) = feed_all(Start::Direct, IN_BODY, piece);
        assert_eq!(
            out,
            vec![
                RdgObserved::HandshakeRequest {
                    version_major: 1,
                    version_minor: 0,
                    client_version: 0,
                    extended_auth: 0,
                    extended_auth_names: vec![],
                },
                RdgObserved::TunnelCreate {
                    caps: 0x0D,
                    caps_names: vec![
                        "QUAR_SOH".into(),
                        "MESSAGING_CONSENT_SIGN".into(),
                        "MESSAGING_SERVICE_MSG".into()
                    ],
                    fields_present: 0,
                    reauth_context: None,
                    paa_cookie_length: None,
                },
                RdgObserved::TunnelAuth {
                    fields_present: 0,
                    client_name: "vm".into(),
                },
                RdgObserved::ChannelCreate {
                    resources: vec!["10.0.2.2".into()],
                    alt_resources: vec![],
                    port: 3389,
                    protocol: 3,
                },
            ],
            "piece {piece}"
        );
    }
}

#[test]
fn seed_lengths() {
    let body = &OUT_BODY[10..];
    // No seed at all (Seeded tries 10 first: the bytes there are no plausible header).
    let (out, _) = feed_all(Start::Seeded, body, 7);
    assert_eq!(
        out[0],
        RdgObserved::Seed {
            length: 0,
            seed_hex: String::new()
        }
    );
    assert_eq!(out.len(), 5);
    // A 37-byte random seed, and the specification's 100.
    for n in [37usize, 100] {
        let mut b: Vec<u8> = (0..n).map(|i| 0xF0 ^ i as u8).collect();
        b.extend_from_slice(body);
        let (out, _) = feed_all(Start::Seeded, &b, 3);
        assert!(
            matches!(&out[0], RdgObserved::Seed { length, .. } if *length == n),
            "{n}: {:?}",
            out[0]
        );
        assert_eq!(out[1..], out_expected()[1..]);
    }
    // WebSocket: probably no seed.
    let (out, _) = feed_all(Start::MaybeSeeded, body, 1);
    assert!(matches!(out[0], RdgObserved::Seed { length: 0, .. }));
    // 101 bytes of seed are more than the specification allows.
    let mut b = vec![0xEE; 101];
    b.extend_from_slice(body);
    let (out, done) = feed_all(Start::Seeded, &b, 50);
    assert_eq!(out, vec![RdgObserved::NoPacketFound { bytes: 108 }]);
    assert!(done);
}

#[test]
fn body_too_short_to_judge_records_nothing() {
    // samples/rdg-no-content-length-standin.pcap: the `200` brings the 10 seed bytes and
    // the client leaves.
    let (out, done) = feed_all(Start::Seeded, &OUT_BODY[..10], 10);
    assert!(out.is_empty());
    assert!(!done);
}

#[test]
fn optional_fields() {
    // TUNNEL_RESPONSE with tunnelId, caps and a consent message (2.2.10.21).
    let mut b = vec![0, 0, 0, 0, 0, 0, 0x13, 0x00, 0, 0];
    b.extend_from_slice(&7u32.to_le_bytes());
    b.extend_from_slice(&0x3Fu32.to_le_bytes());
    b.extend_from_slice(&utf16("Accept?"));
    let (out, _) = feed_all(Start::Direct, &packet(PKT_TYPE_TUNNEL_RESPONSE, &b), 3);
    assert_eq!(
        out,
        vec![RdgObserved::TunnelResponse {
            server_version: 0,
            status_code: 0,
            status_name: Some("S_OK"),
            fields_present: 0x13,
            tunnel_id: Some(7),
            caps: Some(0x3F),
            caps_names: [
                "QUAR_SOH",
                "IDLE_TIMEOUT",
                "MESSAGING_CONSENT_SIGN",
                "MESSAGING_SERVICE_MSG",
                "REAUTH",
                "UDP_TRANSPORT"
            ]
            .map(String::from)
            .to_vec(),
            consent_message_length: Some(16),
        }]
    );
    // TUNNEL_AUTH_RESPONSE with redirect flags and idle timeout.
    let mut b = 0x8007_59DAu32.to_le_bytes().to_vec();
    b.extend_from_slice(&[3, 0, 0, 0]);
    b.extend_from_slice(&0x8000_0000u32.to_le_bytes());
    b.extend_from_slice(&30u32.to_le_bytes());
    let (out, _) = feed_all(
        Start::Direct,
        &packet(PKT_TYPE_TUNNEL_AUTH_RESPONSE, &b),
        100,
    );
    assert_eq!(
        out,
        vec![RdgObserved::TunnelAuthResponse {
            error_code: 0x8007_59DA,
            error_name: Some("E_PROXY_RAP_ACCESSDENIED"),
            fields_present: 3,
            redirect_flags: Some(0x8000_0000),
            redirect_flag_names: vec!["ENABLE_ALL".into()],
            idle_timeout_minutes: Some(30),
        }]
    );
    // CHANNEL_RESPONSE with channelId, udpPort and a cookie; in that order (2.2.10.5).
    let mut b = vec![0, 0, 0, 0, 7, 0, 0, 0];
    b.extend_from_slice(&1u32.to_le_bytes());
    b.extend_from_slice(&3391u16.to_le_bytes());
    b.extend_from_slice(&[4, 0, 1, 2, 3, 4]);
    let (out, _) = feed_all(Start::Direct, &packet(PKT_TYPE_CHANNEL_RESPONSE, &b), 5);
    assert_eq!(
        out,
        vec![RdgObserved::ChannelResponse {
            error_code: 0,
            error_name: Some("S_OK"),
            fields_present: 7,
            channel_id: Some(1),
            udp_port: Some(3391),
            authn_cookie_length: Some(4),
        }]
    );
    // TUNNEL_CREATE with a reauth context and a PAA cookie: only the cookie's length.
    let mut b = vec![0x10, 0, 0, 0, 3, 0, 0, 0];
    b.extend_from_slice(&0x1122_3344_5566_7788u64.to_le_bytes());
    b.extend_from_slice(&[3, 0, b's', b'e', b'c']);
    let (out, _) = feed_all(Start::Direct, &packet(PKT_TYPE_TUNNEL_CREATE, &b), 5);
    assert!(matches!(
        &out[0],
        RdgObserved::TunnelCreate {
            reauth_context: Some(0x1122_3344_5566_7788),
            paa_cookie_length: Some(3),
            ..
        }
    ));
    assert!(!format!("{out:?}").contains("sec"));
}

#[test]
fn every_other_packet_type() {
    let mut s = Vec::new();
    s.extend(packet(
        PKT_TYPE_EXTENDED_AUTH_MSG,
        &[0x0C, 0x03, 0x09, 0x80, 2, 0, 0xAA, 0xBB],
    ));
    s.extend(packet(
        PKT_TYPE_SERVICE_MESSAGE,
        &utf16("Maintenance at 18:00"),
    ));
    s.extend(packet(PKT_TYPE_REAUTH_MESSAGE, &5u64.to_le_bytes()));
    s.extend(packet(PKT_TYPE_KEEPALIVE, &[]));
    s.extend(packet(0x0E, &[1, 2, 3]));
    s.extend(packet(PKT_TYPE_CLOSE_CHANNEL, &0x4CAu32.to_le_bytes()));
    s.extend(packet(PKT_TYPE_CLOSE_CHANNEL_RESPONSE, &0u32.to_le_bytes()));
    let (out, done) = feed_all(Start::Direct, &s, 1);
    assert!(!done);
    assert_eq!(
        out,
        vec![
            RdgObserved::ExtendedAuth {
                error_code: 0x8009_030C,
                error_name: Some("SEC_E_LOGON_DENIED"),
                blob_length: 2,
            },
            RdgObserved::ServiceMessage {
                message_length: 42,
                message: "Maintenance at 18:00".into(),
            },
            RdgObserved::ReauthMessage { reauth_context: 5 },
            RdgObserved::Keepalive,
            RdgObserved::Unknown {
                packet_type: 0x0E,
                packet_length: 11,
            },
            RdgObserved::CloseChannel {
                status_code: 0x4CA,
                status_name: Some("ERROR_GRACEFUL_DISCONNECT"),
            },
            RdgObserved::CloseChannelResponse {
                status_code: 0,
                status_name: Some("S_OK"),
            },
        ]
    );
}

#[test]
fn data_packets_are_counted_not_kept_and_the_stream_stops() {
    // samples/rdg-healthy-standin.pcap frame 51: DATA with the X.224 Connection Confirm.
    let first = b"\x0a\x00\x00\x00\x1d\x00\x00\x00\x13\x00\x03\x00\x00\x13\x0e\xd0\x00\x00\x12\x34\x00\x02\x01\x08\x00\x01\x00\x00\x00";
    let mut s = first.to_vec();
    let tls = packet(
        PKT_TYPE_DATA,
        &[[0xC8, 0x05].as_slice(), &[0x17; 0x5C8]].concat(),
    );
    for _ in 0..MAX_DATA_PACKETS + 5 {
        s.extend_from_slice(&tls);
    }
    s.extend(packet(PKT_TYPE_CLOSE_CHANNEL, &[0; 4]));
    for piece in [1, 13, 4096] {
        let (out, done) = feed_all(Start::Direct, &s, piece);
        assert_eq!(
            out,
            vec![
                RdgObserved::Data {
                    packet_length: 29,
                    data_length: 19,
                    starts_with_tpkt: true,
                },
                RdgObserved::Stopped {
                    packets: MAX_DATA_PACKETS + 1,
                    data_packets: MAX_DATA_PACKETS + 1,
                    data_bytes: 29 + u64::from(MAX_DATA_PACKETS) * 0x5D2,
                },
            ],
            "piece {piece}"
        );
        assert!(done);
    }
    // A CLOSE_CHANNEL among the first DATA packets is seen.
    let mut s = first.to_vec();
    s.extend_from_slice(&tls);
    s.extend(packet(PKT_TYPE_CLOSE_CHANNEL, &0xA0u32.to_le_bytes()));
    let (out, _) = feed_all(Start::Direct, &s, 7);
    assert_eq!(
        out.last(),
        Some(&RdgObserved::CloseChannel {
            status_code: 0xA0,
            status_name: Some("ERROR_BAD_ARGUMENTS"),
        })
    );
}

#[test]
fn recorded_observations_are_capped() {
    let mut s = Vec::new();
    for _ in 0..100 {
        s.extend(packet(PKT_TYPE_KEEPALIVE, &[]));
    }
    let (out, done) = feed_all(Start::Direct, &s, 3);
    assert_eq!(out.len(), MAX_RECORDED as usize + 1);
    assert!(matches!(
        out.last(),
        Some(RdgObserved::Stopped { packets: 16, .. })
    ));
    assert!(done);
}

#[test]
fn garbage_huge_and_truncated() {
    // Not a packet header.
    let (out, done) = feed_all(Start::Direct, b"HTTP/1.1 200 OK\r\n", 4);
    assert!(matches!(
        &out[..],
        [RdgObserved::Malformed { offset: 0, .. }]
    ));
    assert!(done);
    // A huge length after a good first packet: stop without allocating.
    let mut s = packet(PKT_TYPE_KEEPALIVE, &[]);
    s.extend_from_slice(&[8, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF]);
    let (out, done) = feed_all(Start::Direct, &s, 1);
    assert!(matches!(
        &out[..],
        [
            RdgObserved::Keepalive,
            RdgObserved::Malformed { offset: 8, .. }
        ]
    ));
    assert!(done);
    // A length below the header.
    let (out, _) = feed_all(
        Start::Direct,
        &[13, 0, 0, 0, 8, 0, 0, 0, 13, 0, 0, 0, 4, 0, 0, 0],
        1,
    );
    assert!(matches!(
        &out[..],
        [
            RdgObserved::Keepalive,
            RdgObserved::Malformed { offset: 8, .. }
        ]
    ));
    // A fixed part longer than the packet: decoded as far as it goes, then reported.
    let mut s = packet(PKT_TYPE_KEEPALIVE, &[]);
    s.extend(packet(PKT_TYPE_HANDSHAKE_RESPONSE, &[0; 6]));
    let (out, _) = feed_all(Start::Direct, &s, 1);
    assert!(
        matches!(&out[..], [RdgObserved::Keepalive, RdgObserved::Malformed { reason, offset: 8 }] if reason.contains("HANDSHAKE_RESPONSE serverVersion"))
    );
    let (out, _) = feed_all(
        Start::Direct,
        &packet(
            PKT_TYPE_CHANNEL_CREATE,
            &[2, 0, 0x3D, 0x0D, 3, 0, 0xFF, 0xFF],
        ),
        1,
    );
    assert!(matches!(&out[..], [RdgObserved::Malformed { .. }]));
    // Truncated: nothing yet.
    let (out, done) = feed_all(Start::Direct, &IN_BODY[..20], 1);
    assert_eq!(out.len(), 1);
    assert!(!done);
    // Seeded garbage of every byte value.
    let junk: Vec<u8> = (0..=255u8)
        .cycle()
        .take(3000)
        .map(|b| b.wrapping_mul(37))
        .collect();
    let (out, _) = feed_all(Start::Seeded, &junk, 11);
    assert!(out.len() <= MAX_RECORDED as usize + 1);
}

#[test]
fn names_and_text() {
    assert_eq!(utf16_text(b"v\x00m\x00\x00\x00"), "vm");
    assert_eq!(utf16_text(b"\x00\xd8x"), "\u{FFFD}");
    assert!(PacketHeader::parse(&[1, 0, 0, 0]).is_none());
    let h = PacketHeader::parse(&[2, 0, 0, 0, 18, 0, 0, 0]).unwrap();
    assert!(h.plausible());
    let h = PacketHeader::parse(&[2, 0, 1, 0, 18, 0, 0, 0]).unwrap();
    assert!(!h.plausible());
    let h = PacketHeader::parse(&[2, 0, 0, 0, 17, 0, 0, 0]).unwrap();
    assert!(!h.plausible());
}
