//! MCS Connect-Initial / Connect-Response decoding (MS-RDPBCGR 2.2.1.3, 2.2.1.4) on real
//! Standard RDP Security captures from the shared corpus, plus hand-built PDUs for the edge
//! cases and truncation / corruption robustness.
//!
//! Every expected value from a capture was checked with Debian tshark 4.0.17
//! (`tshark -r F -Y t125 -V`, or `-T fields -e rdp.<field>`) and, where the peers have one,
//! against their baseline: Zeek's rdp.log / x509.log / btest `out` files and suricata-verify's
//! test.yaml. Comments name the source of each value.

mod common;

use rdptriage::analyze::analyze_path;
use rdptriage::flow::Side;
use rdptriage::flow::consumer::{Chunk, ConsumerFactory, NewConversation, StreamConsumer, Want};
use rdptriage::proto::rdp::mcs::{
    ChannelDef, ClientCluster, ClientCore, ClientSecurity, DomainParameters, ServerCertificate,
    ServerCore, ServerNetwork, ServerSecurity, encryption_level_name, encryption_method_name,
    keyboard_layout_name, parse_connect_initial, parse_connect_response, rdp_version_name,
};
use std::cell::RefCell;
use std::path::Path;
use std::rc::Rc;

// ---------------------------------------------------------------------------------------------
// Extracting the MCS PDUs from a capture through the crate's public API.

/// Each TCP conversation's (client, server) byte streams, in the order they were opened.
type Streams = Rc<RefCell<Vec<(Vec<u8>, Vec<u8>)>>>;

struct Collector {
    out: Streams,
    index: usize,
}

impl StreamConsumer for Collector {
    fn data(&mut self, side: Side, bytes: &[u8], _chunk: Chunk) -> Want {
        let mut out = self.out.borrow_mut();
        let Some((client, server)) = out.get_mut(self.index) else {
            return Want::Done;
        };
        let buf = if side == Side::Client { client } else { server };
        buf.extend_from_slice(bytes);
        Want::More
    }
}

struct Factory(Streams);

impl ConsumerFactory for Factory {
    fn consumer_for(&mut self, _: &NewConversation) -> Option<Box<dyn StreamConsumer>> {
        let index = {
            let mut v = self.0.borrow_mut();
            v.push((Vec::new(), Vec::new()));
            v.len() - 1
        };
        Some(Box::new(Collector {
            out: self.0.clone(),
            index,
        }))
    }
}

/// The X.224 Data payload (after `02 F0 80`) of the first TPKT record in `stream` whose
/// X.224 code is 0xF0.
fn first_x224_data(stream: &[u8]) -> Option<Vec<u8>> {
    let mut rest = stream;
    while rest.len() >= 4 && rest[0] == 3 {
        let len = usize::from(u16::from_be_bytes([rest[2], rest[3]]));
        if len < 4 || len > rest.len() {
            return None;
        }
        let tpdu = &rest[4..len];
        if tpdu.len() >= 3 && tpdu[1] == 0xF0 {
            return Some(tpdu[3..].to_vec());
        }
        rest = &rest[len..];
    }
    None
}

/// Per TCP conversation: the X.224 Data payloads (Connect-Initial from the client,
/// Connect-Response from the server).
struct Mcs {
    initial: Option<Vec<u8>>,
    response: Option<Vec<u8>>,
}

fn payloads_of(path: &Path) -> Vec<Mcs> {
    let streams: Streams = Rc::default();
    analyze_path(path, Some(Box::new(Factory(streams.clone()))))
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let streams = std::mem::take(&mut *streams.borrow_mut());
    streams
        .iter()
        .map(|(c, s)| Mcs {
            initial: first_x224_data(c),
            response: first_x224_data(s),
        })
        .collect()
}

/// The payloads of every conversation of corpus capture `rel`; `None` (test skipped) when
/// the corpus is absent and not required.
fn corpus(rel: &str) -> Option<Vec<Mcs>> {
    let dir = common::corpus_dir()?;
    Some(payloads_of(&dir.join(rel)))
}

const PROPRIETARY: &str = "zeek/testing/btest/Traces/rdp/rdp-proprietary-encryption.pcap";
const X509: &str = "zeek/testing/btest/Traces/rdp/rdp-x509.pcap";
const UNKNOWN_KEYBOARD: &str = "zeek/testing/btest/Traces/rdp/rdp-unknown-keyboard.pcap";
const RDP_003: &str = "suricata-verify/tests/rdp-protocol/RDP-003.pcap";
const NDPI_RDP3: &str = "ndpi/tests/cfgs/default/pcap/rdp3.pcap";
const ESTEEMAUDIT: &str =
    "zeek-EternalSafety/tests/traces/shadowbrokers/esteemedaudit-failed-XPSP2.pcap";

fn channels(list: &[(&str, u32)]) -> Option<Vec<ChannelDef>> {
    Some(
        list.iter()
            .map(|&(name, options)| ChannelDef {
                name: name.to_string(),
                options,
            })
            .collect(),
    )
}

/// T.125 DomainParameters as tshark shows them (targetParameters of every client here;
/// domainParameters of every server here but with the given user ids / PDU size).
fn domain(max_channel_ids: u32, max_user_ids: u32, max_mcs_pdu_size: u32) -> DomainParameters {
    DomainParameters {
        max_channel_ids,
        max_user_ids,
        max_token_ids: 0,
        num_priorities: 1,
        min_throughput: 0,
        max_height: 1,
        max_mcs_pdu_size,
        protocol_version: 2,
    }
}

/// The proprietary certificate every Standard-Security server in the corpus sends: 512-bit
/// RSA, exponent 65537, permanent (dwVersion 0x00000001, magic RSA1, bitlen 512, pubExp
/// 65537: decoded by hand from tshark's rdp.serverCertificate bytes).
fn proprietary_512() -> Option<ServerCertificate> {
    Some(ServerCertificate::Proprietary {
        key_bits: 512,
        public_exponent: 65537,
        permanent: true,
    })
}

// ---------------------------------------------------------------------------------------------
// Real captures.

/// Wireshark-wiki RDP-004 as Zeek keeps it. Connection 1 ends at RDP_NEG_FAILURE (no MCS);
/// connection 2 is Standard RDP Security with everything in the clear.
#[test]
fn zeek_rdp_proprietary_encryption() {
    let Some(convs) = corpus(PROPRIETARY) else {
        return;
    };
    assert_eq!(convs.len(), 2);
    assert!(convs[0].initial.is_none() && convs[0].response.is_none());

    let client = parse_connect_initial(convs[1].initial.as_ref().unwrap()).unwrap();
    // tshark frame 14 (every field of clientCoreData, headerLength 216 → the tail ends at
    // serverSelectedProtocol). Zeek rdp.log: FROG-POND, 1152x864, "English - United States",
    // client_build "RDP 6.0" (its name for build 6000).
    assert_eq!(
        client.core,
        Some(ClientCore {
            version: 0x0008_0004,
            desktop_width: 1152,
            desktop_height: 864,
            color_depth: 0xCA01,
            keyboard_layout: 0x409,
            client_build: 6000,
            client_name: "FROG-POND".into(),
            keyboard_type: Some(4),
            keyboard_sub_type: Some(0),
            keyboard_function_key: Some(12),
            ime_file_name: Some(String::new()),
            post_beta2_color_depth: Some(0xCA01),
            high_color_depth: Some(24),
            supported_color_depths: Some(0x000F),
            early_capability_flags: Some(11),
            client_dig_product_id: Some(String::new()),
            connection_type: Some(0),
            server_selected_protocol: Some(0),
            desktop_physical_width: None,
            desktop_physical_height: None,
            desktop_orientation: None,
            desktop_scale_factor: None,
            device_scale_factor: None,
        })
    );
    let core = client.core.as_ref().unwrap();
    assert_eq!(rdp_version_name(core.version), "RDP 5.0-8.1");
    assert_eq!(
        keyboard_layout_name(core.keyboard_layout),
        Some("English - United States")
    );
    // Zeek rdp-client-security-data/out: encryption_methods=27, ext_encryption_methods=0;
    // tshark: 1b000000 / 00000000.
    assert_eq!(
        client.security,
        Some(ClientSecurity {
            encryption_methods: 27,
            ext_encryption_methods: 0
        })
    );
    // Zeek rdp.log client_channels and rdp-client-cluster-data/out channel options; tshark.
    assert_eq!(
        client.channels,
        channels(&[
            ("rdpdr", 0x8080_0000),
            ("rdpsnd", 0xC000_0000),
            ("drdynvc", 0xC080_0000),
            ("cliprdr", 0xC0A0_0000),
        ])
    );
    // Zeek rdp-client-cluster-data/out: Flags 0000000d, RedirSessionId 0; tshark.
    assert_eq!(
        client.cluster,
        Some(ClientCluster {
            flags: 0xD,
            redirected_session_id: 0
        })
    );
    // The flags decoded per MS-RDPBCGR 2.2.1.3.5: REDIRECTION_SUPPORTED and
    // ServerSessionRedirectionVersionMask = 3 (REDIRECTION_VERSION4). Zeek's btest `out`
    // prints 00000000 for all four derived fields although it prints Flags 0000000d.
    let cluster = client.cluster.as_ref().unwrap();
    assert!(cluster.redirection_supported());
    assert_eq!(cluster.redirection_version(), 3);
    assert!(!cluster.redirected_session_id_valid());
    assert!(!cluster.redirected_smartcard());
    assert_eq!(client.multitransport_flags, None);
    assert!(client.other_blocks.is_empty());
    // tshark targetParameters.
    assert_eq!(client.target_parameters, Some(domain(34, 2, 65535)));

    // tshark frame 15; Zeek rdp.log: result Success, cert_type RSA, cert_count 1,
    // cert_permanent T, encryption_level High, encryption_method 128bit.
    let server = parse_connect_response(convs[1].response.as_ref().unwrap()).unwrap();
    assert_eq!(server.result, 0);
    assert_eq!(server.gcc_result, Some(0));
    assert_eq!(server.called_connect_id, 0);
    assert_eq!(server.domain_parameters, Some(domain(34, 3, 65528)));
    assert_eq!(
        server.core,
        Some(ServerCore {
            version: 0x0008_0004,
            client_requested_protocols: Some(0),
            early_capability_flags: None,
        })
    );
    assert_eq!(
        server.security,
        Some(ServerSecurity {
            encryption_method: 2,
            encryption_level: 3,
            server_random_len: Some(32),
            server_cert_len: Some(184),
            certificate: proprietary_512(),
        })
    );
    assert_eq!(encryption_method_name(2), "128-bit");
    assert_eq!(encryption_level_name(3), "High");
    assert_eq!(
        server.network,
        Some(ServerNetwork {
            io_channel: 1003,
            channel_ids: vec![1004, 1005, 1006, 1007],
        })
    );
    assert_eq!(server.message_channel, None);
    assert_eq!(server.multitransport_flags, None);
    assert!(server.other_blocks.is_empty());
}

/// Client of Zeek's rdp-x509 and rdp-unknown-keyboard traces (the same Windows 8.1 client):
/// tshark shows a 234-byte clientCoreData (every optional field present).
fn john_pc_laptop(keyboard_layout: u32) -> ClientCore {
    ClientCore {
        version: 0x0008_0004,
        desktop_width: 1920,
        desktop_height: 1080,
        color_depth: 0xCA01,
        keyboard_layout,
        client_build: 9600,
        client_name: "JOHN-PC-LAPTOP".into(),
        keyboard_type: Some(4),
        keyboard_sub_type: Some(0),
        keyboard_function_key: Some(12),
        ime_file_name: Some(String::new()),
        post_beta2_color_depth: Some(0xCA01),
        high_color_depth: Some(16),
        supported_color_depths: Some(0x000F),
        early_capability_flags: Some(1965),
        // tshark and Zeek's rdp.log agree: the 64-byte field holds 31 characters + NUL, so
        // the GUID is cut short on the wire.
        client_dig_product_id: Some("3c571ed0-3415-474b-ae94-74e151b".into()),
        connection_type: Some(7),
        server_selected_protocol: Some(0),
        // Not shown by tshark 4.0; the bytes at block offsets 216..234 are all zero.
        desktop_physical_width: Some(0),
        desktop_physical_height: Some(0),
        desktop_orientation: Some(0),
        desktop_scale_factor: Some(0),
        device_scale_factor: Some(0),
    }
}

fn john_pc_laptop_channels() -> Option<Vec<ChannelDef>> {
    channels(&[
        ("rdpdr", 0x8080_0000),
        ("rdpsnd", 0xC000_0000),
        ("cliprdr", 0xC0A0_0000),
        ("drdynvc", 0xC080_0000),
    ])
}

/// Zeek rdp-x509: the Server Security Data carries an X.509 chain of 2 certificates with the
/// temporary bit set.
#[test]
fn zeek_rdp_x509() {
    let Some(convs) = corpus(X509) else {
        return;
    };
    assert_eq!(convs.len(), 1);
    let client = parse_connect_initial(convs[0].initial.as_ref().unwrap()).unwrap();
    // tshark frame 11; Zeek rdp.log: JOHN-PC-LAPTOP, English - United States, 1920x1080.
    assert_eq!(client.core, Some(john_pc_laptop(0x409)));
    assert_eq!(client.channels, john_pc_laptop_channels());
    assert_eq!(client.security.as_ref().unwrap().encryption_methods, 27);
    assert_eq!(client.cluster.as_ref().unwrap().flags, 0x15);

    // tshark frame 13: method 128-bit RC4 (2), level Client Compatible (2), random 32,
    // certificate 1252 bytes starting 02 00 00 80. Zeek rdp.log: cert_type X.509,
    // cert_count 2, cert_permanent F, encryption_level "Client compatible", 128bit.
    let server = parse_connect_response(convs[0].response.as_ref().unwrap()).unwrap();
    let security = server.security.as_ref().unwrap();
    assert_eq!(
        (security.encryption_method, security.encryption_level),
        (2, 2)
    );
    assert_eq!(encryption_level_name(2), "Client Compatible");
    assert_eq!(security.server_random_len, Some(32));
    assert_eq!(security.server_cert_len, Some(1252));
    let Some(ServerCertificate::X509 {
        count,
        permanent,
        certificates,
    }) = &security.certificate
    else {
        panic!("expected an X.509 chain: {:?}", security.certificate);
    };
    assert_eq!((*count, *permanent), (2, false));
    // Zeek x509.log fingerprints (SHA-256 of the DER), in chain order.
    let fingerprints: Vec<String> = certificates.iter().map(|c| sha256_hex(c)).collect();
    assert_eq!(
        fingerprints,
        [
            "e3859c4a77098a7b84589e0cb1171662d15699fc84c19d3421f7d52dc0dc59c9",
            "bd97671306086c3393a1bd835340a68043557a7ae131b8ee72f4d015287024ba",
        ]
    );
    assert_eq!(
        certificates.iter().map(Vec::len).collect::<Vec<_>>(),
        [351, 869]
    );
    assert_eq!(
        server.network,
        Some(ServerNetwork {
            io_channel: 1003,
            channel_ids: vec![1004, 1005, 1006, 1007],
        })
    );
    assert_eq!(
        server.core.as_ref().unwrap().client_requested_protocols,
        Some(0)
    );
}

/// Zeek rdp-unknown-keyboard: keyboard layout 0x0004041E, which Zeek logs as
/// "Thai (Best Guess for 263198)". The capture has no Connect-Response.
#[test]
fn zeek_rdp_unknown_keyboard() {
    let Some(convs) = corpus(UNKNOWN_KEYBOARD) else {
        return;
    };
    assert_eq!(convs.len(), 1);
    let client = parse_connect_initial(convs[0].initial.as_ref().unwrap()).unwrap();
    // tshark frame 11: keyboardLayout 263198; the rest as in rdp-x509. Zeek rdp.log: channels
    // rdpdr,rdpsnd,cliprdr,drdynvc, client_dig_product_id 3c571ed0-3415-474b-ae94-74e151b.
    assert_eq!(client.core, Some(john_pc_laptop(263_198)));
    assert_eq!(client.core.as_ref().unwrap().keyboard_layout, 0x0004_041E);
    assert_eq!(keyboard_layout_name(0x0004_041E), None);
    assert_eq!(client.channels, john_pc_laptop_channels());
    assert_eq!(
        client.security,
        Some(ClientSecurity {
            encryption_methods: 27,
            ext_encryption_methods: 0
        })
    );
    assert_eq!(
        client.cluster,
        Some(ClientCluster {
            flags: 0x15,
            redirected_session_id: 0
        })
    );
    // 0x15: REDIRECTION_SUPPORTED, version mask 5 (REDIRECTION_VERSION6).
    let cluster = client.cluster.as_ref().unwrap();
    assert!(cluster.redirection_supported());
    assert_eq!(cluster.redirection_version(), 5);
    assert!(convs[0].response.is_none());
}

/// suricata-verify RDP-003 (Wireshark-wiki RDP-003, XP SP2 → Windows 2003): no RDP_NEG,
/// 212-byte clientCoreData (no serverSelectedProtocol), 8-byte serverCoreData.
#[test]
fn suricata_rdp_003() {
    let Some(convs) = corpus(RDP_003) else {
        return;
    };
    let with_mcs: Vec<&Mcs> = convs.iter().filter(|c| c.initial.is_some()).collect();
    assert_eq!(with_mcs.len(), 1);
    let client = parse_connect_initial(with_mcs[0].initial.as_ref().unwrap()).unwrap();
    let core = client.core.as_ref().unwrap();
    // test.yaml: client.version "v5", build "Windows XP" (2600), desktop_height 864,
    // client_name ISD2-KM84178, capabilities[0] support_errinfo_pdf (earlyCapabilityFlags
    // 0x0001), id 55274-OEM-0011903-00107 (clientDigProductId). tshark frame 7 for the rest.
    assert_eq!(core.version, 0x0008_0004);
    assert_eq!(rdp_version_name(core.version), "RDP 5.0-8.1");
    assert_eq!(core.client_build, 2600);
    assert_eq!((core.desktop_width, core.desktop_height), (1152, 864));
    assert_eq!(core.client_name, "ISD2-KM84178");
    assert_eq!(core.early_capability_flags, Some(0x0001));
    assert_eq!(
        core.client_dig_product_id.as_deref(),
        Some("55274-OEM-0011903-00107")
    );
    assert_eq!(core.keyboard_layout, 0x409);
    assert_eq!(core.high_color_depth, Some(15));
    assert_eq!(core.supported_color_depths, Some(7));
    assert_eq!(core.connection_type, Some(0));
    assert_eq!(core.server_selected_protocol, None);
    // test.yaml channels[0..3]; tshark options.
    assert_eq!(
        client.channels,
        channels(&[
            ("rdpdr", 0x8080_0000),
            ("cliprdr", 0xC0A0_0000),
            ("rdpsnd", 0xC000_0000),
        ])
    );
    assert_eq!(client.security.as_ref().unwrap().encryption_methods, 0x0B);
    assert_eq!(client.cluster.as_ref().unwrap().flags, 9);

    // tshark frame 8: 56-bit RC4 (8), Client Compatible (2), cert 184 bytes (proprietary).
    assert_eq!(encryption_method_name(8), "56-bit");
    let server = parse_connect_response(with_mcs[0].response.as_ref().unwrap()).unwrap();
    assert_eq!(server.result, 0);
    assert_eq!(
        server.core,
        Some(ServerCore {
            version: 0x0008_0004,
            client_requested_protocols: None,
            early_capability_flags: None,
        })
    );
    assert_eq!(
        server.security,
        Some(ServerSecurity {
            encryption_method: 8,
            encryption_level: 2,
            server_random_len: Some(32),
            server_cert_len: Some(184),
            certificate: proprietary_512(),
        })
    );
    assert_eq!(
        server.network,
        Some(ServerNetwork {
            io_channel: 1003,
            channel_ids: vec![1004, 1005, 1006],
        })
    );
}

/// nDPI rdp3.pcap: legacy client SEPTU (no RDP_NEG), Windows 2003-era server.
#[test]
fn ndpi_rdp3() {
    let Some(convs) = corpus(NDPI_RDP3) else {
        return;
    };
    let with_mcs: Vec<&Mcs> = convs.iter().filter(|c| c.initial.is_some()).collect();
    assert_eq!(with_mcs.len(), 1);
    // tshark frame 6.
    let client = parse_connect_initial(with_mcs[0].initial.as_ref().unwrap()).unwrap();
    let core = client.core.as_ref().unwrap();
    assert_eq!(core.client_name, "SEPTU");
    assert_eq!(core.client_build, 2600);
    assert_eq!((core.desktop_width, core.desktop_height), (1280, 1024));
    assert_eq!(core.keyboard_layout, 0x409);
    assert_eq!(core.high_color_depth, Some(16));
    assert_eq!(
        core.client_dig_product_id.as_deref(),
        Some("76487-OEM-0011903-00102")
    );
    assert_eq!(core.server_selected_protocol, None);
    assert_eq!(
        client.channels,
        channels(&[
            ("rdpdr", 0x8080_0000),
            ("cliprdr", 0xC0A0_0000),
            ("rdpsnd", 0xC000_0000),
        ])
    );
    assert_eq!(client.security.as_ref().unwrap().encryption_methods, 0x0B);
    // tshark frame 7: 128-bit, Client Compatible, 12-byte serverCoreData.
    let server = parse_connect_response(with_mcs[0].response.as_ref().unwrap()).unwrap();
    let security = server.security.as_ref().unwrap();
    assert_eq!(
        (security.encryption_method, security.encryption_level),
        (2, 2)
    );
    assert_eq!(security.certificate, proprietary_512());
    assert_eq!(
        server.core.as_ref().unwrap().client_requested_protocols,
        Some(0)
    );
    assert_eq!(
        server.network.as_ref().unwrap().channel_ids,
        [1004, 1005, 1006]
    );
}

/// zeek-EternalSafety: 5 EsteemAudit connections against XP SP2, each with the same
/// exploit-tool Connect-Initial (empty client name, one channel "rdpdr" with odd options).
#[test]
fn eternalsafety_esteemaudit() {
    let Some(convs) = corpus(ESTEEMAUDIT) else {
        return;
    };
    let with_mcs: Vec<&Mcs> = convs.iter().filter(|c| c.initial.is_some()).collect();
    assert_eq!(with_mcs.len(), 5);
    for conv in with_mcs {
        // tshark frames 9, 610, 1218, 1819, 2419.
        let client = parse_connect_initial(conv.initial.as_ref().unwrap()).unwrap();
        let core = client.core.as_ref().unwrap();
        assert_eq!(core.client_build, 6001);
        assert_eq!((core.desktop_width, core.desktop_height), (800, 600));
        assert_eq!(core.client_name, "");
        assert_eq!(core.high_color_depth, Some(0x00FF));
        assert_eq!(core.client_dig_product_id.as_deref(), Some(""));
        assert_eq!(client.channels, channels(&[("rdpdr", 0x0000_8080)]));
        // tshark encryptionMethods 12000000: 128-bit | FIPS.
        assert_eq!(client.security.as_ref().unwrap().encryption_methods, 0x12);
        assert_eq!(client.cluster.as_ref().unwrap().flags, 9);
        // tshark frames 10, 611, 1219, 1820, 2420: 128-bit, Client Compatible, one static
        // channel, 8-byte serverCoreData.
        let server = parse_connect_response(conv.response.as_ref().unwrap()).unwrap();
        let security = server.security.as_ref().unwrap();
        assert_eq!(
            (security.encryption_method, security.encryption_level),
            (2, 2)
        );
        assert_eq!(security.certificate, proprietary_512());
        assert_eq!(
            server.network,
            Some(ServerNetwork {
                io_channel: 1003,
                channel_ids: vec![1004],
            })
        );
        assert_eq!(
            server.core.as_ref().unwrap().client_requested_protocols,
            None
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Robustness on real PDUs.

/// (name, Connect-Initial, Connect-Response) pairs from the corpus; empty when skipped.
fn real_pdus() -> Vec<(String, Vec<u8>, Vec<u8>)> {
    let mut out = Vec::new();
    for rel in [PROPRIETARY, X509, RDP_003] {
        let Some(convs) = corpus(rel) else {
            return Vec::new();
        };
        for c in convs {
            if let (Some(i), Some(r)) = (c.initial, c.response) {
                out.push((rel.to_string(), i, r));
            }
        }
    }
    out
}

#[test]
fn every_truncation_is_an_error_not_a_panic() {
    for (name, initial, response) in real_pdus() {
        assert!(parse_connect_initial(&initial).is_ok(), "{name}");
        assert!(parse_connect_response(&response).is_ok(), "{name}");
        for n in 0..initial.len() {
            // The outer BER length covers the whole PDU, so every strict prefix is short.
            let e = parse_connect_initial(&initial[..n]).unwrap_err();
            assert!(e.offset <= n, "{name}: prefix {n}: {e:?}");
            assert!(!e.reason.is_empty());
        }
        for n in 0..response.len() {
            let e = parse_connect_response(&response[..n]).unwrap_err();
            assert!(e.offset <= n, "{name}: prefix {n}: {e:?}");
        }
    }
}

#[test]
fn corrupted_bytes_never_panic() {
    let mut rng = 0x2545_F491_4F6C_DD1Du64;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    for (_, initial, response) in real_pdus() {
        for pdu in [&initial, &response] {
            let check = |bytes: &[u8]| {
                let a = parse_connect_initial(bytes);
                let b = parse_connect_response(bytes);
                for e in [a.err(), b.err()].into_iter().flatten() {
                    assert!(e.offset <= bytes.len(), "{e:?}");
                }
            };
            // Every byte set to each interesting value.
            for i in 0..pdu.len() {
                for v in [0x00, 0x01, 0x7F, 0x80, 0x81, 0x82, 0xFF, pdu[i] ^ 0xFF] {
                    let mut m = pdu.clone();
                    m[i] = v;
                    check(&m);
                }
            }
            // Random multi-byte corruption.
            for _ in 0..2000 {
                let mut m = pdu.clone();
                for _ in 0..1 + next() % 8 {
                    let i = (next() as usize) % m.len();
                    m[i] = next() as u8;
                }
                check(&m);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Hand-built PDUs: the BER/PER framing of the corpus PDUs (tshark: userData of frame 14 /
// 15 of rdp-proprietary-encryption starts 000500147c0001 8136 000800100001c000 44756361 8128
// and 000500147c0001 2a 14760a 0101 00 01 c0 00 4d63446e 8108) around chosen blocks.

fn ber_len(n: usize) -> Vec<u8> {
    match n {
        0..=0x7F => vec![n as u8],
        0x80..=0xFF => vec![0x81, n as u8],
        _ => vec![0x82, (n >> 8) as u8, n as u8],
    }
}

fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut v = vec![tag];
    v.extend(ber_len(content.len()));
    v.extend_from_slice(content);
    v
}

fn per_len(n: usize) -> Vec<u8> {
    if n < 0x80 {
        vec![n as u8]
    } else {
        vec![0x80 | (n >> 8) as u8, n as u8]
    }
}

fn ber_domain(values: [u32; 8]) -> Vec<u8> {
    let mut seq = Vec::new();
    for v in values {
        let bytes = v.to_be_bytes();
        let skip = bytes.iter().take(3).take_while(|&&b| b == 0).count();
        seq.extend(tlv(0x02, &bytes[skip..]));
    }
    tlv(0x30, &seq)
}

fn block(kind: u16, body: &[u8]) -> Vec<u8> {
    let mut v = kind.to_le_bytes().to_vec();
    v.extend(((body.len() + 4) as u16).to_le_bytes());
    v.extend_from_slice(body);
    v
}

const OID: [u8; 7] = [0x00, 0x05, 0x00, 0x14, 0x7C, 0x00, 0x01];

fn connect_initial_with_gcc_head(head: &[u8], user: &[u8]) -> Vec<u8> {
    let mut pdu = head.to_vec();
    pdu.extend(per_len(user.len()));
    pdu.extend_from_slice(user);
    let mut gcc = OID.to_vec();
    gcc.extend(per_len(pdu.len()));
    gcc.extend(pdu);
    let mut body = tlv(0x04, &[1]);
    body.extend(tlv(0x04, &[1]));
    body.extend(tlv(0x01, &[0xFF]));
    body.extend(ber_domain([34, 2, 0, 1, 0, 1, 65535, 2]));
    body.extend(ber_domain([1, 1, 1, 1, 0, 1, 1056, 2]));
    body.extend(ber_domain([65535, 64535, 65535, 1, 0, 1, 65535, 2]));
    body.extend(tlv(0x04, &gcc));
    let mut out = vec![0x7F, 0x65];
    out.extend(ber_len(body.len()));
    out.extend(body);
    out
}

fn connect_initial(user: &[u8]) -> Vec<u8> {
    connect_initial_with_gcc_head(
        &[
            0x00, 0x08, 0x00, 0x10, 0x00, 0x01, 0xC0, 0x00, b'D', b'u', b'c', b'a',
        ],
        user,
    )
}

fn connect_response_with_result(result: u8, user: &[u8]) -> Vec<u8> {
    let mut gcc = OID.to_vec();
    if !user.is_empty() {
        // 0x2a: the fixed (wrong) connectPDU length Windows servers send.
        gcc.extend([
            0x2A, 0x14, 0x76, 0x0A, 0x01, 0x01, 0x00, 0x01, 0xC0, 0x00, b'M', b'c', b'D', b'n',
        ]);
        gcc.extend(per_len(user.len()));
        gcc.extend_from_slice(user);
    } else {
        gcc.clear();
    }
    let mut body = tlv(0x0A, &[result]);
    body.extend(tlv(0x02, &[0]));
    body.extend(ber_domain([34, 3, 0, 1, 0, 1, 65528, 2]));
    body.extend(tlv(0x04, &gcc));
    let mut out = vec![0x7F, 0x66];
    out.extend(ber_len(body.len()));
    out.extend(body);
    out
}

fn connect_response(user: &[u8]) -> Vec<u8> {
    connect_response_with_result(0, user)
}

fn utf16(s: &str, size: usize) -> Vec<u8> {
    let mut v: Vec<u8> = s.encode_utf16().flat_map(u16::to_le_bytes).collect();
    v.resize(size, 0);
    v
}

/// A TS_UD_CS_CORE body (without header) with all fields through deviceScaleFactor.
fn full_cs_core_body() -> Vec<u8> {
    let mut b = Vec::new();
    b.extend(0x0008_000Du32.to_le_bytes()); // version 10.8
    b.extend(2560u16.to_le_bytes());
    b.extend(1440u16.to_le_bytes());
    b.extend(0xCA01u16.to_le_bytes());
    b.extend(0xAA03u16.to_le_bytes());
    b.extend(0x0000_0407u32.to_le_bytes());
    b.extend(22631u32.to_le_bytes());
    b.extend(utf16("WS-ÄÖÜ-01", 32));
    b.extend(4u32.to_le_bytes());
    b.extend(0u32.to_le_bytes());
    b.extend(12u32.to_le_bytes());
    b.extend(utf16("ime.dll", 64));
    b.extend(0xCA01u16.to_le_bytes());
    b.extend(1u16.to_le_bytes());
    b.extend(0u32.to_le_bytes());
    b.extend(32u16.to_le_bytes());
    b.extend(0x000Fu16.to_le_bytes());
    b.extend(0x07E7u16.to_le_bytes());
    b.extend(utf16("00330-80000-00000-AA123", 64));
    b.push(6);
    b.push(0);
    b.extend(0x0000_000Bu32.to_le_bytes());
    b.extend(600u32.to_le_bytes());
    b.extend(340u32.to_le_bytes());
    b.extend(90u16.to_le_bytes());
    b.extend(150u32.to_le_bytes());
    b.extend(140u32.to_le_bytes());
    assert_eq!(b.len(), 230);
    b
}

#[test]
fn cs_core_every_optional_field() {
    let user = block(0xC001, &full_cs_core_body());
    let s = parse_connect_initial(&connect_initial(&user)).unwrap();
    let core = s.core.unwrap();
    assert_eq!(core.version, 0x0008_000D);
    assert_eq!(rdp_version_name(core.version), "RDP 10.8");
    assert_eq!(core.client_name, "WS-ÄÖÜ-01");
    assert_eq!(core.keyboard_layout, 0x407);
    assert_eq!(
        keyboard_layout_name(core.keyboard_layout),
        Some("German - Germany")
    );
    assert_eq!(core.ime_file_name.as_deref(), Some("ime.dll"));
    assert_eq!(core.high_color_depth, Some(32));
    assert_eq!(core.early_capability_flags, Some(0x07E7));
    assert_eq!(
        core.client_dig_product_id.as_deref(),
        Some("00330-80000-00000-AA123")
    );
    assert_eq!(core.connection_type, Some(6));
    assert_eq!(core.server_selected_protocol, Some(0x0B));
    assert_eq!(core.desktop_physical_width, Some(600));
    assert_eq!(core.desktop_physical_height, Some(340));
    assert_eq!(core.desktop_orientation, Some(90));
    assert_eq!(core.desktop_scale_factor, Some(150));
    assert_eq!(core.device_scale_factor, Some(140));
    assert!(s.security.is_none() && s.channels.is_none() && s.cluster.is_none());
}

#[test]
fn cs_core_tail_stops_at_last_complete_field() {
    let full = full_cs_core_body();
    // 128 = through imeFileName; 130 = + postBeta2ColorDepth; 131 cuts clientProductId.
    for (len, keyboard_type, ime, post_beta2, high) in [
        (52, None, None, None, None),
        (55, None, None, None, None),
        (56, Some(4), None, None, None),
        (127, Some(4), None, None, None),
        (128, Some(4), Some("ime.dll"), None, None),
        (131, Some(4), Some("ime.dll"), Some(0xCA01), None),
        (137, Some(4), Some("ime.dll"), Some(0xCA01), None),
        (138, Some(4), Some("ime.dll"), Some(0xCA01), Some(32)),
    ] {
        let user = block(0xC001, &full[..len]);
        let core = parse_connect_initial(&connect_initial(&user))
            .unwrap()
            .core
            .unwrap();
        assert_eq!(core.client_name, "WS-ÄÖÜ-01", "{len}");
        assert_eq!(core.keyboard_type, keyboard_type, "{len}");
        assert_eq!(core.ime_file_name.as_deref(), ime, "{len}");
        assert_eq!(core.post_beta2_color_depth, post_beta2, "{len}");
        assert_eq!(core.high_color_depth, high, "{len}");
    }
    // 212 = through connectionType + pad1octet (RDP-003's length minus the header).
    let core = parse_connect_initial(&connect_initial(&block(0xC001, &full[..208])))
        .unwrap()
        .core
        .unwrap();
    assert_eq!(core.connection_type, Some(6));
    assert_eq!(core.server_selected_protocol, None);
    // Shorter than the mandatory part (clientName ends at body offset 52).
    let e = parse_connect_initial(&connect_initial(&block(0xC001, &full[..40]))).unwrap_err();
    assert!(e.reason.contains("clientName"), "{e:?}");
}

#[test]
fn other_client_blocks() {
    let mut user = block(0xC00A, &0x0000_0305u32.to_le_bytes()); // CS_MULTITRANSPORT
    user.extend(block(0xC006, &0u32.to_le_bytes())); // CS_MCS_MSGCHANNEL
    user.extend(block(0xC005, &[0; 8])); // CS_MONITOR
    user.extend(block(0xC002, &0x0000_0003u32.to_le_bytes())); // CS_SECURITY, 8 bytes
    user.extend(block(0xC003, &0u32.to_le_bytes())); // CS_NET with no channels
    user.extend(block(0xC0FF, &[])); // unknown, header only
    let s = parse_connect_initial(&connect_initial(&user)).unwrap();
    assert_eq!(s.multitransport_flags, Some(0x305));
    assert_eq!(s.other_blocks, [0xC006, 0xC005, 0xC0FF]);
    assert_eq!(
        s.security,
        Some(ClientSecurity {
            encryption_methods: 3,
            ext_encryption_methods: 0
        })
    );
    assert_eq!(s.channels, Some(vec![]));
    assert!(s.core.is_none());
}

#[test]
fn channel_names_trim_at_nul_and_bad_counts_fail() {
    let mut net = 2u32.to_le_bytes().to_vec();
    net.extend(b"rdpsnd\0\0");
    net.extend(0xC000_0000u32.to_le_bytes());
    net.extend(b"ECHO\0xyz"); // garbage after the NUL is ignored
    net.extend(0x8000_0000u32.to_le_bytes());
    let s = parse_connect_initial(&connect_initial(&block(0xC003, &net))).unwrap();
    assert_eq!(
        s.channels,
        channels(&[("rdpsnd", 0xC000_0000), ("ECHO", 0x8000_0000)])
    );
    // A count that does not fit the block must fail, not allocate.
    for count in [3u32, 0x1555_5556, u32::MAX] {
        net[..4].copy_from_slice(&count.to_le_bytes());
        let e = parse_connect_initial(&connect_initial(&block(0xC003, &net))).unwrap_err();
        assert!(e.reason.contains("channels"), "{e:?}");
    }
}

#[test]
fn gcc_header_with_other_layout_is_found_by_key() {
    // A conference name of 3 digits ("123": length-1 = 2, two octets) instead of "1".
    let user = block(0xC004, &[0x0D, 0, 0, 0, 0, 0, 0, 0]);
    let head = [
        0x00, 0x08, 0x02, 0x12, 0x30, 0x00, 0x01, 0xC0, 0x00, b'D', b'u', b'c', b'a',
    ];
    let s = parse_connect_initial(&connect_initial_with_gcc_head(&head, &user)).unwrap();
    assert_eq!(s.cluster.unwrap().flags, 0x0D);
    // Unexpected selection byte: found by the H.221 key.
    let head = [
        0x00, 0x0C, 0x00, 0x10, 0x00, 0x01, 0xC0, 0x00, b'D', b'u', b'c', b'a',
    ];
    let s = parse_connect_initial(&connect_initial_with_gcc_head(&head, &user)).unwrap();
    assert_eq!(s.cluster.unwrap().flags, 0x0D);
    // No key at all.
    let head = [
        0x00, 0x08, 0x00, 0x10, 0x00, 0x01, 0xC0, 0x00, b'X', b'u', b'c', b'a',
    ];
    let e = parse_connect_initial(&connect_initial_with_gcc_head(&head, &user)).unwrap_err();
    assert!(e.reason.contains("H.221"), "{e:?}");
}

#[test]
fn malformed_framing_reports_offset_and_reason() {
    let good = connect_initial(&block(0xC004, &[0; 8]));
    // Wrong application tag.
    let e = parse_connect_response(&good).unwrap_err();
    assert_eq!(e.offset, 0);
    assert!(e.reason.contains("Connect-Response"), "{e:?}");
    assert_eq!(parse_connect_initial(&[]).unwrap_err().offset, 0);
    // Indefinite BER length.
    let e = parse_connect_initial(&[0x7F, 0x65, 0x80, 0x04, 0x01, 0x01]).unwrap_err();
    assert_eq!(e.offset, 2);
    assert!(e.reason.contains("indefinite"), "{e:?}");
    // Huge BER length: refused without allocating.
    let e = parse_connect_initial(&[0x7F, 0x65, 0x84, 0xFF, 0xFF, 0xFF, 0xFF, 0x04]).unwrap_err();
    assert!(e.reason.contains("truncated"), "{e:?}");
    // A TS_UD_HEADER length below 4.
    let mut user = block(0xC004, &[0; 8]);
    user.extend([0x02, 0xC0, 0x03, 0x00]);
    let pdu = connect_initial(&user);
    let e = parse_connect_initial(&pdu).unwrap_err();
    assert_eq!(e.offset, pdu.len() - 4);
    assert!(e.reason.contains("length 3"), "{e:?}");
    // A block longer than the user data.
    let mut user = block(0xC004, &[0; 8]);
    user[2] = 13;
    let e = parse_connect_initial(&connect_initial(&user)).unwrap_err();
    assert!(e.reason.contains("truncated"), "{e:?}");
    // Not T.124.
    let mut pdu = connect_initial(&block(0xC004, &[0; 8]));
    let at = pdu
        .windows(5)
        .position(|w| w == [0x00, 0x14, 0x7C, 0x00, 0x01])
        .unwrap();
    pdu[at + 1] = 0x15;
    let e = parse_connect_initial(&pdu).unwrap_err();
    assert_eq!(e.offset, at - 1);
    assert!(e.reason.contains("T.124"), "{e:?}");
}

fn sc_security(method: u32, level: u32, cert: &[u8]) -> Vec<u8> {
    let mut b = method.to_le_bytes().to_vec();
    b.extend(level.to_le_bytes());
    if method != 0 || level != 0 {
        b.extend(32u32.to_le_bytes());
        b.extend((cert.len() as u32).to_le_bytes());
        b.extend([0xAB; 32]);
        b.extend_from_slice(cert);
    }
    block(0x0C02, &b)
}

fn proprietary_cert(dw_version: u32, magic: &[u8; 4], bits: u32, exponent: u32) -> Vec<u8> {
    let mut key = magic.to_vec();
    key.extend((bits / 8 + 8).to_le_bytes());
    key.extend(bits.to_le_bytes());
    key.extend((bits / 8 - 1).to_le_bytes());
    key.extend(exponent.to_le_bytes());
    key.extend(vec![0x5A; (bits / 8 + 8) as usize]);
    let mut c = dw_version.to_le_bytes().to_vec();
    c.extend(1u32.to_le_bytes());
    c.extend(1u32.to_le_bytes());
    c.extend(6u16.to_le_bytes());
    c.extend((key.len() as u16).to_le_bytes());
    c.extend(key);
    c.extend(8u16.to_le_bytes());
    c.extend(72u16.to_le_bytes());
    c.extend([0; 72]);
    c
}

fn x509_cert(dw_version: u32, certs: &[Vec<u8>]) -> Vec<u8> {
    let mut c = dw_version.to_le_bytes().to_vec();
    c.extend((certs.len() as u32).to_le_bytes());
    for der in certs {
        c.extend((der.len() as u32).to_le_bytes());
        c.extend(der);
    }
    c.extend([0; 16]); // padding
    c
}

#[test]
fn server_blocks_and_certificates() {
    let mut user = block(0x0C01, &[0x0C, 0, 8, 0, 0x0B, 0, 0, 0, 0x0F, 0, 0, 0]);
    user.extend(sc_security(
        1,
        1,
        &proprietary_cert(0x8000_0001, b"RSA1", 2048, 3),
    ));
    let mut net = 1003u16.to_le_bytes().to_vec();
    net.extend(3u16.to_le_bytes());
    for id in [1004u16, 1005, 1006] {
        net.extend(id.to_le_bytes());
    }
    net.extend([0, 0]); // pad to a multiple of 4
    user.extend(block(0x0C03, &net));
    user.extend(block(0x0C04, &1008u16.to_le_bytes()));
    user.extend(block(0x0C08, &0x0000_0101u32.to_le_bytes()));
    user.extend(block(0x0C77, &[1, 2, 3]));
    let s = parse_connect_response(&connect_response(&user)).unwrap();
    assert_eq!(
        s.core,
        Some(ServerCore {
            version: 0x0008_000C,
            client_requested_protocols: Some(0x0B),
            early_capability_flags: Some(0x0F),
        })
    );
    assert_eq!(rdp_version_name(0x0008_000C), "RDP 10.7");
    let sec = s.security.unwrap();
    assert_eq!((sec.encryption_method, sec.encryption_level), (1, 1));
    assert_eq!(
        sec.certificate,
        Some(ServerCertificate::Proprietary {
            key_bits: 2048,
            public_exponent: 3,
            permanent: false
        })
    );
    assert_eq!(
        s.network,
        Some(ServerNetwork {
            io_channel: 1003,
            channel_ids: vec![1004, 1005, 1006]
        })
    );
    assert_eq!(s.message_channel, Some(1008));
    assert_eq!(s.multitransport_flags, Some(0x101));
    assert_eq!(s.other_blocks, [0x0C77]);

    // Enhanced security: method and level 0, nothing follows.
    let s = parse_connect_response(&connect_response(&sc_security(0, 0, &[]))).unwrap();
    assert_eq!(
        s.security,
        Some(ServerSecurity {
            encryption_method: 0,
            encryption_level: 0,
            server_random_len: None,
            server_cert_len: None,
            certificate: None,
        })
    );

    // Bad RSA magic.
    let bad = sc_security(2, 3, &proprietary_cert(1, b"RSA2", 512, 65537));
    let e = parse_connect_response(&connect_response(&bad)).unwrap_err();
    assert!(e.reason.contains("RSA1"), "{e:?}");
    // Unknown certificate type.
    let bad = sc_security(2, 3, &x509_cert(3, &[]));
    let e = parse_connect_response(&connect_response(&bad)).unwrap_err();
    assert!(e.reason.contains("certificate type 3"), "{e:?}");
}

#[test]
fn x509_chain_limits() {
    // 20 certificates: all counted, the first 16 kept. (The 64 KiB cap cannot be reached
    // inside one PDU: GCC user data lengths stop at 16383 bytes.)
    let certs: Vec<Vec<u8>> = (0..20u8).map(|i| vec![i; 100]).collect();
    let s = parse_connect_response(&connect_response(&sc_security(2, 2, &x509_cert(2, &certs))))
        .unwrap();
    let Some(ServerCertificate::X509 {
        count,
        permanent,
        certificates,
    }) = s.security.unwrap().certificate
    else {
        panic!()
    };
    assert_eq!((count, permanent), (20, true));
    assert_eq!(certificates.len(), 16);
    assert_eq!(certificates[15], vec![15u8; 100]);

    // Temporary X.509 chain.
    let certs: Vec<Vec<u8>> = (0..2u8).map(|i| vec![i; 3000]).collect();
    let s = parse_connect_response(&connect_response(&sc_security(
        2,
        2,
        &x509_cert(0x8000_0002, &certs),
    )))
    .unwrap();
    let Some(ServerCertificate::X509 {
        count,
        permanent,
        certificates,
    }) = s.security.unwrap().certificate
    else {
        panic!()
    };
    assert_eq!((count, permanent), (2, false));
    assert_eq!(certificates, certs);

    // A declared count far beyond the data fails at the end of the data.
    let mut bad = x509_cert(2, &[vec![0x30; 10]]);
    bad[4..8].copy_from_slice(&200u32.to_le_bytes());
    let e = parse_connect_response(&connect_response(&sc_security(2, 2, &bad))).unwrap_err();
    assert!(e.reason.contains("truncated"), "{e:?}");
    // A cbCert larger than the data.
    let mut bad = x509_cert(2, &[vec![0x30; 10]]);
    bad[8..12].copy_from_slice(&u32::MAX.to_le_bytes());
    let e = parse_connect_response(&connect_response(&sc_security(2, 2, &bad))).unwrap_err();
    assert!(e.reason.contains("abCert"), "{e:?}");
}

#[test]
fn failed_connect_response_without_gcc() {
    // T.125 result 9 (rt-parameters-unacceptable) and an empty userData.
    let s = parse_connect_response(&connect_response_with_result(9, &[])).unwrap();
    assert_eq!(s.result, 9);
    assert_eq!(s.gcc_result, None);
    assert!(s.core.is_none() && s.security.is_none());
    assert_eq!(s.domain_parameters.unwrap().max_mcs_pdu_size, 65528);
}

#[test]
fn names() {
    for (layout, name) in [
        (0x409, "English - United States"),
        (0x809, "English - United Kingdom"),
        (0x407, "German - Germany"),
        (0x40C, "French - France"),
        (0x410, "Italian - Italy"),
        (0x411, "Japanese"),
        (0x412, "Korean"),
        (0x419, "Russian"),
        (0x416, "Portuguese - Brazil"),
        (0x813, "Dutch - Belgium"),
        (0x413, "Dutch - Netherlands"),
        (0x41D, "Swedish"),
        (0x406, "Danish"),
        (0x40B, "Finnish"),
    ] {
        assert_eq!(keyboard_layout_name(layout), Some(name), "{layout:#x}");
    }
    for layout in [0x40A, 0xC0A, 0x804, 0x404, 0x414, 0x415, 0x41E] {
        assert!(keyboard_layout_name(layout).is_some(), "{layout:#x}");
    }
    assert_eq!(keyboard_layout_name(0), None);
    assert_eq!(rdp_version_name(0x0008_0001), "RDP 4.0");
    assert_eq!(rdp_version_name(0x0008_0004), "RDP 5.0-8.1");
    assert_eq!(rdp_version_name(0x0008_0005), "RDP 10.0");
    assert_eq!(rdp_version_name(0x0008_0011), "RDP 10.12");
    assert_eq!(rdp_version_name(0x0008_0012), "unknown");
}

// ---------------------------------------------------------------------------------------------
// SHA-256 (FIPS 180-4), to compare certificates with Zeek's x509.log fingerprints.

fn sha256_hex(data: &[u8]) -> String {
    const K: [u32; 64] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
        0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
        0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
        0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
        0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
        0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
        0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
        0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
        0xc67178f2,
    ];
    let mut h: [u32; 8] = [
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab,
        0x5be0cd19,
    ];
    let mut msg = data.to_vec();
    msg.push(0x80);
    while msg.len() % 64 != 56 {
        msg.push(0);
    }
    msg.extend(((data.len() as u64) * 8).to_be_bytes());
    for chunk in msg.chunks_exact(64) {
        let mut w = [0u32; 64];
        for (i, word) in chunk.chunks_exact(4).enumerate() {
            w[i] = u32::from_be_bytes([word[0], word[1], word[2], word[3]]);
        }
        for i in 16..64 {
            let s0 = w[i - 15].rotate_right(7) ^ w[i - 15].rotate_right(18) ^ (w[i - 15] >> 3);
            let s1 = w[i - 2].rotate_right(17) ^ w[i - 2].rotate_right(19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16]
                .wrapping_add(s0)
                .wrapping_add(w[i - 7])
                .wrapping_add(s1);
        }
        let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut hh] = h;
        for i in 0..64 {
            let s1 = e.rotate_right(6) ^ e.rotate_right(11) ^ e.rotate_right(25);
            let ch = (e & f) ^ (!e & g);
            let t1 = hh
                .wrapping_add(s1)
                .wrapping_add(ch)
                .wrapping_add(K[i])
                .wrapping_add(w[i]);
            let s0 = a.rotate_right(2) ^ a.rotate_right(13) ^ a.rotate_right(22);
            let maj = (a & b) ^ (a & c) ^ (b & c);
            let t2 = s0.wrapping_add(maj);
            hh = g;
            g = f;
            f = e;
            e = d.wrapping_add(t1);
            d = c;
            c = b;
            b = a;
            a = t1.wrapping_add(t2);
        }
        for (x, y) in h.iter_mut().zip([a, b, c, d, e, f, g, hh]) {
            *x = x.wrapping_add(y);
        }
    }
    h.iter().map(|x| format!("{x:08x}")).collect()
}

#[test]
fn sha256_known_answers() {
    assert_eq!(
        sha256_hex(b""),
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
    assert_eq!(
        sha256_hex(b"abc"),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
}
