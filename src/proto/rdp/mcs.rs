//! MCS Connect-Initial / Connect-Response and the GCC user data blocks they carry
//! (MS-RDPBCGR 2.2.1.3, 2.2.1.4; T.125 BER, T.124 PER). Decoding only: what is on the wire,
//! no judgement.
//!
//! Hand-written: no maintained crate decodes RDP's GCC blocks; the BER/PER framing used here
//! is a handful of fixed tags and lengths.

use serde::Serialize;

/// Why an MCS PDU could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct McsError {
    /// Byte offset within the X.224 Data payload where decoding stopped.
    pub offset: usize,
    pub reason: String,
}

/// MS-RDPBCGR 2.2.1.3.2 TS_UD_CS_CORE (the fields later detectors and reports use).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ClientCore {
    pub version: u32,
    pub desktop_width: u16,
    pub desktop_height: u16,
    pub color_depth: u16,
    pub keyboard_layout: u32,
    pub client_build: u32,
    pub client_name: String,
    pub keyboard_type: Option<u32>,
    pub post_beta2_color_depth: Option<u16>,
    pub high_color_depth: Option<u16>,
    pub supported_color_depths: Option<u16>,
    pub early_capability_flags: Option<u16>,
    pub client_dig_product_id: Option<String>,
    pub connection_type: Option<u8>,
    pub server_selected_protocol: Option<u32>,
}

/// MS-RDPBCGR 2.2.1.3.3 TS_UD_CS_SEC.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ClientSecurity {
    pub encryption_methods: u32,
    pub ext_encryption_methods: u32,
}

/// MS-RDPBCGR 2.2.1.3.4.1 CHANNEL_DEF.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChannelDef {
    pub name: String,
    pub options: u32,
}

/// MS-RDPBCGR 2.2.1.3.5 TS_UD_CS_CLUSTER.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ClientCluster {
    pub flags: u32,
    pub redirected_session_id: u32,
}

/// Client settings from the MCS Connect-Initial (MS-RDPBCGR 2.2.1.3).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ClientSettings {
    pub core: Option<ClientCore>,
    pub security: Option<ClientSecurity>,
    /// TS_UD_CS_NET channels (2.2.1.3.4).
    pub channels: Option<Vec<ChannelDef>>,
    pub cluster: Option<ClientCluster>,
    /// TS_UD_CS_MULTITRANSPORT flags (2.2.1.3.8).
    pub multitransport_flags: Option<u32>,
    /// Types of the blocks not decoded above.
    pub other_blocks: Vec<u16>,
}

/// MS-RDPBCGR 2.2.1.4.2 TS_UD_SC_CORE.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ServerCore {
    pub version: u32,
    pub client_requested_protocols: Option<u32>,
    pub early_capability_flags: Option<u32>,
}

/// MS-RDPBCGR 2.2.1.4.3.1 SERVER_CERTIFICATE.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerCertificate {
    /// 2.2.1.4.3.1.1 PROPRIETARYSERVERCERTIFICATE.
    Proprietary { key_bits: u32, public_exponent: u32, permanent: bool },
    /// MS-RDPELE 2.2.1.4.2 X.509 certificate chain (root first, terminal server last).
    X509 {
        count: u32,
        permanent: bool,
        #[serde(skip)]
        certificates: Vec<Vec<u8>>,
    },
}

/// MS-RDPBCGR 2.2.1.4.3 TS_UD_SC_SEC1.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ServerSecurity {
    pub encryption_method: u32,
    pub encryption_level: u32,
    pub server_random_len: Option<u32>,
    pub server_cert_len: Option<u32>,
    pub certificate: Option<ServerCertificate>,
}

/// MS-RDPBCGR 2.2.1.4.4 TS_UD_SC_NET.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ServerNetwork {
    pub io_channel: u16,
    pub channel_ids: Vec<u16>,
}

/// Server settings from the MCS Connect-Response (MS-RDPBCGR 2.2.1.4).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ServerSettings {
    /// T.125 Connect-Response result (0 = rt-successful).
    pub result: u8,
    pub core: Option<ServerCore>,
    pub security: Option<ServerSecurity>,
    pub network: Option<ServerNetwork>,
    /// TS_UD_SC_MCS_MSGCHANNEL (2.2.1.4.5).
    pub message_channel: Option<u16>,
    /// TS_UD_SC_MULTITRANSPORT flags (2.2.1.4.6).
    pub multitransport_flags: Option<u32>,
    pub other_blocks: Vec<u16>,
}

/// Decodes an MCS Connect-Initial (BER application tag 101, `7F 65`) from the payload of an
/// X.224 Data TPDU (the bytes after `02 F0 80`).
pub fn parse_connect_initial(data: &[u8]) -> Result<ClientSettings, McsError> {
    let _ = data;
    Err(McsError {
        offset: 0,
        reason: "not implemented".into(),
    })
}

/// Decodes an MCS Connect-Response (BER application tag 102, `7F 66`) from the payload of an
/// X.224 Data TPDU.
pub fn parse_connect_response(data: &[u8]) -> Result<ServerSettings, McsError> {
    let _ = data;
    Err(McsError {
        offset: 0,
        reason: "not implemented".into(),
    })
}
