//! MCS Connect-Initial / Connect-Response and the GCC user data blocks they carry
//! (MS-RDPBCGR 2.2.1.3, 2.2.1.4; T.125 BER, T.124 PER). Decoding only: what is on the wire,
//! no judgement.
//!
//! Hand-written: no maintained crate decodes RDP's GCC blocks; the BER/PER framing used here
//! is a handful of fixed tags and lengths.
//!
//! Every read goes through a bounds-checked [`Cursor`]; no length taken from the wire is used
//! to allocate or index before it has been checked against the bytes that remain. Errors carry
//! the offset within the X.224 Data payload where decoding stopped.

use serde::Serialize;

use crate::proto::asn1::{ber_application, ber_tlv, ber_uint, per_length};
use crate::proto::wire::{Cursor, DecodeError, ascii_until_nul, hex, utf16_until_nul};

/// Why an MCS PDU could not be decoded (the shared [`DecodeError`]; offsets are within the
/// X.224 Data payload).
pub type McsError = DecodeError;

/// T.125 DomainParameters (the eight INTEGERs of the BER SEQUENCE).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct DomainParameters {
    pub max_channel_ids: u32,
    pub max_user_ids: u32,
    pub max_token_ids: u32,
    pub num_priorities: u32,
    pub min_throughput: u32,
    pub max_height: u32,
    pub max_mcs_pdu_size: u32,
    pub protocol_version: u32,
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
    pub keyboard_sub_type: Option<u32>,
    pub keyboard_function_key: Option<u32>,
    /// imeFileName (UTF-16LE, trimmed at NUL).
    pub ime_file_name: Option<String>,
    /// desktopPhysicalWidth / desktopPhysicalHeight in millimetres.
    pub desktop_physical_width: Option<u32>,
    pub desktop_physical_height: Option<u32>,
    pub desktop_orientation: Option<u16>,
    pub desktop_scale_factor: Option<u32>,
    pub device_scale_factor: Option<u32>,
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

impl ClientCluster {
    /// REDIRECTION_SUPPORTED (0x01): the client can be redirected by a broker.
    pub fn redirection_supported(&self) -> bool {
        self.flags & 0x01 != 0
    }

    /// REDIRECTED_SESSIONID_FIELD_VALID (0x02): `redirected_session_id` is meaningful.
    pub fn redirected_session_id_valid(&self) -> bool {
        self.flags & 0x02 != 0
    }

    /// ServerSessionRedirectionVersionMask (0x3C), shifted down: 0 = REDIRECTION_VERSION1 …
    /// 5 = REDIRECTION_VERSION6.
    pub fn redirection_version(&self) -> u32 {
        (self.flags & 0x3C) >> 2
    }

    /// REDIRECTED_SMARTCARD (0x40): the client logged on with a smart card.
    pub fn redirected_smartcard(&self) -> bool {
        self.flags & 0x40 != 0
    }
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
    /// T.125 Connect-Initial targetParameters.
    pub target_parameters: Option<DomainParameters>,
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
    Proprietary {
        key_bits: u32,
        public_exponent: u32,
        permanent: bool,
    },
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
    /// T.125 Connect-Response calledConnectId.
    pub called_connect_id: u32,
    /// T.125 Connect-Response domainParameters.
    pub domain_parameters: Option<DomainParameters>,
    /// T.124 ConferenceCreateResponse result (0 = success), when the GCC header was decoded
    /// field by field.
    pub gcc_result: Option<u8>,
}

// ---------------------------------------------------------------------------------------------
// Block type codes (MS-RDPBCGR 2.2.1.3.1, 2.2.1.4.1).

pub const CS_CORE: u16 = 0xC001;
pub const CS_SECURITY: u16 = 0xC002;
pub const CS_NET: u16 = 0xC003;
pub const CS_CLUSTER: u16 = 0xC004;
pub const CS_MONITOR: u16 = 0xC005;
pub const CS_MCS_MSGCHANNEL: u16 = 0xC006;
pub const CS_MONITOR_EX: u16 = 0xC008;
pub const CS_MULTITRANSPORT: u16 = 0xC00A;
pub const SC_CORE: u16 = 0x0C01;
pub const SC_SECURITY: u16 = 0x0C02;
pub const SC_NET: u16 = 0x0C03;
pub const SC_MCS_MSGCHANNEL: u16 = 0x0C04;
pub const SC_MULTITRANSPORT: u16 = 0x0C08;

/// Most X.509 certificates kept from a SERVER_CERTIFICATE chain.
pub const MAX_KEPT_CERTIFICATES: usize = 16;
/// Most bytes of X.509 certificates kept from a SERVER_CERTIFICATE chain.
pub const MAX_KEPT_CERTIFICATE_BYTES: usize = 64 * 1024;

/// T.124 object identifier 0.0.20.124.0.1 (Generic Conference Control), PER-encoded.
const T124_OID: [u8; 5] = [0x00, 0x14, 0x7C, 0x00, 0x01];
/// H.221 non-standard key of the client's GCC user data.
const H221_CLIENT_KEY: &[u8; 4] = b"Duca";
/// H.221 non-standard key of the server's GCC user data.
const H221_SERVER_KEY: &[u8; 4] = b"McDn";

// ---------------------------------------------------------------------------------------------
// T.125 BER (X.690 basic encoding rules, definite lengths only; readers in `proto::asn1`).

/// T.125 DomainParameters (MCS-PROTOCOL ASN.1 module): SEQUENCE of eight INTEGERs, BER.
fn ber_domain_parameters(c: &mut Cursor, what: &str) -> Result<DomainParameters, McsError> {
    let mut s = ber_tlv(c, 0x30, what)?;
    let mut v = [0u32; 8];
    for slot in &mut v {
        *slot = ber_uint(&mut s, 0x02, what)?;
    }
    Ok(DomainParameters {
        max_channel_ids: v[0],
        max_user_ids: v[1],
        max_token_ids: v[2],
        num_priorities: v[3],
        min_throughput: v[4],
        max_height: v[5],
        max_mcs_pdu_size: v[6],
        protocol_version: v[7],
    })
}

// ---------------------------------------------------------------------------------------------
// T.124 PER (ALIGNED) pieces used by the GCC Conference Create Request/Response.

/// T.124 ConnectData header (MS-RDPBCGR 2.2.1.3 / 4.1.3): Key CHOICE object, the T.124 OID
/// 0.0.20.124.0.1 and the connectPDU length.
/// The length is read but not enforced: Windows servers write a fixed, wrong value in the
/// Connect-Response.
fn gcc_connect_data(c: &mut Cursor) -> Result<(), McsError> {
    let at = c.pos();
    let choice = c.u8("T.124 Key choice")?;
    if choice != 0 {
        return Err(Cursor::err_at(
            at,
            format!("T.124 Key: expected object (0), found {choice:#04x}"),
        ));
    }
    let at = c.pos();
    let oid_len = c.u8("T.124 object length")?;
    let oid = c.take(usize::from(oid_len), "T.124 object")?;
    if oid != T124_OID {
        return Err(Cursor::err_at(
            at,
            format!("not T.124 GCC: object {}", hex(oid)),
        ));
    }
    per_length(c, "T.124 connectPDU length")?;
    Ok(())
}

/// T.124 H221NonStandardIdentifier (MS-RDPBCGR 2.2.1.3 / 2.2.1.4): a PER OCTET STRING
/// (SIZE (4..255)) holding the 4-byte key, i.e. a zero length octet and the key.
fn gcc_h221_key(c: &mut Cursor, key: &[u8; 4]) -> Result<(), McsError> {
    let mut expected = [0u8; 5];
    expected[1..].copy_from_slice(key);
    c.expect(&expected, "H.221 key")
}

/// T.124 UserData value (MS-RDPBCGR 2.2.1.3 / 2.2.1.4): PER length and the bytes, bounded by
/// what remains.
fn gcc_user_data<'a>(c: &mut Cursor<'a>) -> Result<Cursor<'a>, McsError> {
    let len = per_length(c, "GCC userData length")?;
    c.sub(len, "GCC userData")
}

/// T.124 UserData located by its H.221 key (MS-RDPBCGR 2.2.1.3 / 2.2.1.4), for GCC headers
/// that differ from the common layout: reads the user data after the key.
fn gcc_find_key<'a>(mut c: Cursor<'a>, key: &[u8; 4]) -> Result<Cursor<'a>, McsError> {
    let mut needle = [0u8; 5];
    needle[1..].copy_from_slice(key);
    let rest = c.rest();
    let Some(i) = rest.windows(needle.len()).position(|w| w == needle) else {
        return Err(c.err(format!(
            "H.221 key {:?} not found",
            String::from_utf8_lossy(key)
        )));
    };
    c.skip(i + needle.len(), "H.221 key")?;
    gcc_user_data(&mut c)
}

/// T.124 ConferenceCreateRequest (as laid out in MS-RDPBCGR 2.2.1.3 / 4.1.3): GCC PDU
/// choice, selection, conferenceName "1", padding, one UserData set with the H.221 key "Duca".
/// Returns the client user data.
fn gcc_conference_create_request<'a>(c: &mut Cursor<'a>) -> Result<Cursor<'a>, McsError> {
    gcc_connect_data(c)?;
    let after_header = *c;
    let structured = |c: &mut Cursor<'a>| -> Result<Cursor<'a>, McsError> {
        c.expect(&[0x00], "ConnectGCCPDU choice (conferenceCreateRequest)")?;
        c.expect(&[0x08], "ConferenceCreateRequest selection")?;
        // ConferenceName::numeric, NumericString (SIZE (1..255)): length - 1, then 4-bit digits.
        let digits = per_length(c, "conferenceName length")? + 1;
        c.skip(digits.div_ceil(2), "conferenceName")?;
        c.expect(&[0x00], "padding")?;
        c.expect(&[0x01], "number of UserData sets")?;
        c.expect(&[0xC0], "UserData choice")?;
        gcc_h221_key(c, H221_CLIENT_KEY)?;
        gcc_user_data(c)
    };
    match structured(c) {
        Ok(user) => Ok(user),
        Err(e) => {
            let mut fallback = after_header;
            match gcc_find_key(fallback, H221_CLIENT_KEY) {
                Ok(user) => {
                    fallback.seek(user.end());
                    *c = fallback;
                    Ok(user)
                }
                Err(_) => Err(e),
            }
        }
    }
}

/// T.124 ConferenceCreateResponse (MS-RDPBCGR 2.2.1.4 / 4.1.4): GCC PDU choice, nodeID,
/// tag, result, one UserData set with the H.221 key "McDn". Returns the GCC result (when the
/// header had the common layout) and the server user data.
fn gcc_conference_create_response<'a>(
    c: &mut Cursor<'a>,
) -> Result<(Option<u8>, Cursor<'a>), McsError> {
    gcc_connect_data(c)?;
    let after_header = *c;
    let structured = |c: &mut Cursor<'a>| -> Result<(u8, Cursor<'a>), McsError> {
        c.expect(&[0x14], "ConnectGCCPDU choice (conferenceCreateResponse)")?;
        c.u16_be("nodeID")?;
        // tag: unconstrained INTEGER, length octet then value.
        let at = c.pos();
        let tag_len = per_length(c, "tag length")?;
        if tag_len == 0 || tag_len > 4 {
            return Err(Cursor::err_at(
                at,
                format!("tag: INTEGER of {tag_len} octets"),
            ));
        }
        c.skip(tag_len, "tag")?;
        let result = c.u8("ConferenceCreateResponse result")?;
        c.expect(&[0x01], "number of UserData sets")?;
        c.expect(&[0xC0], "UserData choice")?;
        gcc_h221_key(c, H221_SERVER_KEY)?;
        Ok((result, gcc_user_data(c)?))
    };
    match structured(c) {
        Ok((result, user)) => Ok((Some(result), user)),
        Err(e) => match gcc_find_key(after_header, H221_SERVER_KEY) {
            Ok(user) => {
                let mut rest = after_header;
                rest.seek(user.end());
                *c = rest;
                Ok((None, user))
            }
            Err(_) => Err(e),
        },
    }
}

// ---------------------------------------------------------------------------------------------
// User data blocks.

/// MS-RDPBCGR 2.2.1.3.1 TS_UD_HEADER: splits user data into (type, body) blocks, the body
/// being the block without its 4-byte header.
fn for_each_block<'a>(
    mut c: Cursor<'a>,
    mut f: impl FnMut(u16, Cursor<'a>) -> Result<(), McsError>,
) -> Result<(), McsError> {
    while !c.is_empty() {
        let at = c.pos();
        let kind = c.u16_le("TS_UD_HEADER type")?;
        let len = c.u16_le("TS_UD_HEADER length")?;
        if len < 4 {
            return Err(Cursor::err_at(
                at,
                format!("user data block {kind:#06x}: length {len} < 4"),
            ));
        }
        let body = c.sub(usize::from(len) - 4, "user data block")?;
        f(kind, body)?;
    }
    Ok(())
}

/// MS-RDPBCGR 2.2.1.3.2 TS_UD_CS_CORE. Fields from keyboardType on are taken only when the
/// block holds all of them; decoding stops at the last complete field.
fn cs_core(mut c: Cursor) -> Result<ClientCore, McsError> {
    let mut core = ClientCore {
        version: c.u32_le("CS_CORE version")?,
        desktop_width: c.u16_le("CS_CORE desktopWidth")?,
        desktop_height: c.u16_le("CS_CORE desktopHeight")?,
        color_depth: c.u16_le("CS_CORE colorDepth")?,
        ..ClientCore::default()
    };
    c.u16_le("CS_CORE SASSequence")?;
    core.keyboard_layout = c.u32_le("CS_CORE keyboardLayout")?;
    core.client_build = c.u32_le("CS_CORE clientBuild")?;
    core.client_name = utf16_until_nul(c.take(32, "CS_CORE clientName")?);
    // Optional tail (MS-RDPBCGR 2.2.1.3.2: each field present only if all before it are).
    let tail = |c: &mut Cursor, core: &mut ClientCore| -> Option<()> {
        core.keyboard_type = Some(c.opt_u32_le()?);
        core.keyboard_sub_type = Some(c.opt_u32_le()?);
        core.keyboard_function_key = Some(c.opt_u32_le()?);
        core.ime_file_name = Some(utf16_until_nul(c.opt_take(64)?));
        core.post_beta2_color_depth = Some(c.opt_u16_le()?);
        c.opt_u16_le()?; // clientProductId
        c.opt_u32_le()?; // serialNumber
        core.high_color_depth = Some(c.opt_u16_le()?);
        core.supported_color_depths = Some(c.opt_u16_le()?);
        core.early_capability_flags = Some(c.opt_u16_le()?);
        core.client_dig_product_id = Some(utf16_until_nul(c.opt_take(64)?));
        core.connection_type = Some(c.opt_u8()?);
        c.opt_u8()?; // pad1octet
        core.server_selected_protocol = Some(c.opt_u32_le()?);
        core.desktop_physical_width = Some(c.opt_u32_le()?);
        core.desktop_physical_height = Some(c.opt_u32_le()?);
        core.desktop_orientation = Some(c.opt_u16_le()?);
        core.desktop_scale_factor = Some(c.opt_u32_le()?);
        core.device_scale_factor = Some(c.opt_u32_le()?);
        Some(())
    };
    let _ = tail(&mut c, &mut core);
    Ok(core)
}

/// MS-RDPBCGR 2.2.1.3.3 TS_UD_CS_SEC. extEncryptionMethods is 0 when the block omits it.
fn cs_security(mut c: Cursor) -> Result<ClientSecurity, McsError> {
    Ok(ClientSecurity {
        encryption_methods: c.u32_le("CS_SECURITY encryptionMethods")?,
        ext_encryption_methods: c.opt_u32_le().unwrap_or(0),
    })
}

/// MS-RDPBCGR 2.2.1.3.4 TS_UD_CS_NET with its 2.2.1.3.4.1 CHANNEL_DEF array.
fn cs_net(mut c: Cursor) -> Result<Vec<ChannelDef>, McsError> {
    let at = c.pos();
    let count = c.u32_le("CS_NET channelCount")?;
    let needed = usize::try_from(count)
        .ok()
        .and_then(|n| n.checked_mul(12))
        .filter(|&n| n <= c.remaining())
        .ok_or_else(|| {
            Cursor::err_at(
                at,
                format!(
                    "CS_NET: {count} channels do not fit in {} bytes",
                    c.remaining()
                ),
            )
        })?;
    let mut channels = Vec::with_capacity(needed / 12);
    for _ in 0..count {
        let name = ascii_until_nul(c.take(8, "CHANNEL_DEF name")?);
        let options = c.u32_le("CHANNEL_DEF options")?;
        channels.push(ChannelDef { name, options });
    }
    Ok(channels)
}

/// MS-RDPBCGR 2.2.1.3.5 TS_UD_CS_CLUSTER.
fn cs_cluster(mut c: Cursor) -> Result<ClientCluster, McsError> {
    Ok(ClientCluster {
        flags: c.u32_le("CS_CLUSTER flags")?,
        redirected_session_id: c.u32_le("CS_CLUSTER redirectedSessionID")?,
    })
}

/// MS-RDPBCGR 2.2.1.3.8 TS_UD_CS_MULTITRANSPORT.
fn cs_multitransport(mut c: Cursor) -> Result<u32, McsError> {
    c.u32_le("CS_MULTITRANSPORT flags")
}

/// MS-RDPBCGR 2.2.1.4.2 TS_UD_SC_CORE (clientRequestedProtocols and earlyCapabilityFlags are
/// optional).
fn sc_core(mut c: Cursor) -> Result<ServerCore, McsError> {
    Ok(ServerCore {
        version: c.u32_le("SC_CORE version")?,
        client_requested_protocols: c.opt_u32_le(),
        early_capability_flags: c.opt_u32_le(),
    })
}

/// MS-RDPBCGR 2.2.1.4.3 TS_UD_SC_SEC1. serverRandomLen, serverCertLen, serverRandom and
/// serverCertificate follow only when encryptionMethod or encryptionLevel is non-zero.
fn sc_security(mut c: Cursor) -> Result<ServerSecurity, McsError> {
    let mut sec = ServerSecurity {
        encryption_method: c.u32_le("SC_SECURITY encryptionMethod")?,
        encryption_level: c.u32_le("SC_SECURITY encryptionLevel")?,
        ..ServerSecurity::default()
    };
    if sec.encryption_method == 0 && sec.encryption_level == 0 {
        return Ok(sec);
    }
    if c.is_empty() {
        return Ok(sec);
    }
    let random_len = c.u32_le("SC_SECURITY serverRandomLen")?;
    sec.server_random_len = Some(random_len);
    let cert_len = c.u32_le("SC_SECURITY serverCertLen")?;
    sec.server_cert_len = Some(cert_len);
    c.skip(
        usize::try_from(random_len).unwrap_or(usize::MAX),
        "SC_SECURITY serverRandom",
    )?;
    if cert_len > 0 {
        let cert = c.sub(
            usize::try_from(cert_len).unwrap_or(usize::MAX),
            "SC_SECURITY serverCertificate",
        )?;
        sec.certificate = Some(server_certificate(cert)?);
    }
    Ok(sec)
}

/// MS-RDPBCGR 2.2.1.4.3.1 SERVER_CERTIFICATE: dwVersion (low 31 bits: 1 proprietary,
/// 2 X.509; bit 31: temporary), then the certificate data.
fn server_certificate(mut c: Cursor) -> Result<ServerCertificate, McsError> {
    let at = c.pos();
    let dw_version = c.u32_le("SERVER_CERTIFICATE dwVersion")?;
    let permanent = dw_version & 0x8000_0000 == 0;
    match dw_version & 0x7FFF_FFFF {
        1 => proprietary_certificate(c, permanent),
        2 => x509_chain(c, permanent),
        v => Err(Cursor::err_at(
            at,
            format!("SERVER_CERTIFICATE: unknown certificate type {v}"),
        )),
    }
}

/// MS-RDPBCGR 2.2.1.4.3.1.1 PROPRIETARYSERVERCERTIFICATE (after dwVersion), with its
/// 2.2.1.4.3.1.1.1 RSA_PUBLIC_KEY.
fn proprietary_certificate(mut c: Cursor, permanent: bool) -> Result<ServerCertificate, McsError> {
    c.u32_le("dwSigAlgId")?;
    c.u32_le("dwKeyAlgId")?;
    c.u16_le("wPublicKeyBlobType")?;
    let blob_len = c.u16_le("wPublicKeyBlobLen")?;
    let mut key = c.sub(usize::from(blob_len), "PublicKeyBlob")?;
    let at = key.pos();
    let magic = key.array::<4>("RSA_PUBLIC_KEY magic")?;
    if &magic != b"RSA1" {
        return Err(Cursor::err_at(
            at,
            format!(
                "RSA_PUBLIC_KEY magic is {}, not RSA1 (52 53 41 31)",
                hex(&magic)
            ),
        ));
    }
    key.u32_le("RSA_PUBLIC_KEY keylen")?;
    let key_bits = key.u32_le("RSA_PUBLIC_KEY bitlen")?;
    key.u32_le("RSA_PUBLIC_KEY datalen")?;
    let public_exponent = key.u32_le("RSA_PUBLIC_KEY pubExp")?;
    Ok(ServerCertificate::Proprietary {
        key_bits,
        public_exponent,
        permanent,
    })
}

/// MS-RDPELE 2.2.1.4.2 X.509 certificate chain (after dwVersion): NumCertBlobs, then
/// {cbCert, DER certificate} for each. Keeps at most [`MAX_KEPT_CERTIFICATES`] certificates
/// and [`MAX_KEPT_CERTIFICATE_BYTES`] bytes; padding after the last blob is ignored.
fn x509_chain(mut c: Cursor, permanent: bool) -> Result<ServerCertificate, McsError> {
    let count = c.u32_le("NumCertBlobs")?;
    let mut certificates = Vec::new();
    let mut kept_bytes = 0usize;
    for _ in 0..count {
        // Each iteration consumes at least 4 bytes, so a bogus count ends at the data's end.
        let len = c.u32_le("CertBlob cbCert")?;
        let der = c.take(
            usize::try_from(len).unwrap_or(usize::MAX),
            "CertBlob abCert",
        )?;
        if certificates.len() < MAX_KEPT_CERTIFICATES
            && kept_bytes + der.len() <= MAX_KEPT_CERTIFICATE_BYTES
        {
            kept_bytes += der.len();
            certificates.push(der.to_vec());
        }
    }
    Ok(ServerCertificate::X509 {
        count,
        permanent,
        certificates,
    })
}

/// MS-RDPBCGR 2.2.1.4.4 TS_UD_SC_NET (channelIdArray, padding ignored).
fn sc_net(mut c: Cursor) -> Result<ServerNetwork, McsError> {
    let io_channel = c.u16_le("SC_NET MCSChannelId")?;
    let at = c.pos();
    let count = c.u16_le("SC_NET channelCount")?;
    if usize::from(count) * 2 > c.remaining() {
        return Err(Cursor::err_at(
            at,
            format!(
                "SC_NET: {count} channel ids do not fit in {} bytes",
                c.remaining()
            ),
        ));
    }
    let mut channel_ids = Vec::with_capacity(usize::from(count));
    for _ in 0..count {
        channel_ids.push(c.u16_le("SC_NET channelIdArray")?);
    }
    Ok(ServerNetwork {
        io_channel,
        channel_ids,
    })
}

/// MS-RDPBCGR 2.2.1.4.5 TS_UD_SC_MCS_MSGCHANNEL.
fn sc_msgchannel(mut c: Cursor) -> Result<u16, McsError> {
    c.u16_le("SC_MCS_MSGCHANNEL MCSChannelID")
}

/// MS-RDPBCGR 2.2.1.4.6 TS_UD_SC_MULTITRANSPORT.
fn sc_multitransport(mut c: Cursor) -> Result<u32, McsError> {
    c.u32_le("SC_MULTITRANSPORT flags")
}

// ---------------------------------------------------------------------------------------------
// Entry points.

/// Decodes an MCS Connect-Initial (BER application tag 101, `7F 65`) from the payload of an
/// X.224 Data TPDU (the bytes after `02 F0 80`).
///
/// MS-RDPBCGR 2.2.1.3 Client MCS Connect Initial PDU with GCC Conference Create Request;
/// T.125 Connect-Initial (callingDomainSelector, calledDomainSelector, upwardFlag,
/// target/minimum/maximumParameters, userData); T.124 ConferenceCreateRequest; client data
/// blocks 2.2.1.3.2–2.2.1.3.8.
pub fn parse_connect_initial(data: &[u8]) -> Result<ClientSettings, McsError> {
    let mut c = Cursor::new(data);
    let mut ci = ber_application(&mut c, 0x65, "MCS Connect-Initial")?;
    ber_tlv(&mut ci, 0x04, "callingDomainSelector")?;
    ber_tlv(&mut ci, 0x04, "calledDomainSelector")?;
    ber_tlv(&mut ci, 0x01, "upwardFlag")?;
    let target = ber_domain_parameters(&mut ci, "targetParameters")?;
    ber_domain_parameters(&mut ci, "minimumParameters")?;
    ber_domain_parameters(&mut ci, "maximumParameters")?;
    let mut gcc = ber_tlv(&mut ci, 0x04, "userData")?;
    let user = gcc_conference_create_request(&mut gcc)?;

    let mut out = ClientSettings {
        target_parameters: Some(target),
        ..ClientSettings::default()
    };
    for_each_block(user, |kind, body| {
        match kind {
            CS_CORE => out.core = Some(cs_core(body)?),
            CS_SECURITY => out.security = Some(cs_security(body)?),
            CS_NET => out.channels = Some(cs_net(body)?),
            CS_CLUSTER => out.cluster = Some(cs_cluster(body)?),
            CS_MULTITRANSPORT => out.multitransport_flags = Some(cs_multitransport(body)?),
            other => out.other_blocks.push(other),
        }
        Ok(())
    })?;
    Ok(out)
}

/// Decodes an MCS Connect-Response (BER application tag 102, `7F 66`) from the payload of an
/// X.224 Data TPDU.
///
/// MS-RDPBCGR 2.2.1.4 Server MCS Connect Response PDU with GCC Conference Create Response;
/// T.125 Connect-Response (result, calledConnectId, domainParameters, userData); T.124
/// ConferenceCreateResponse; server data blocks 2.2.1.4.2–2.2.1.4.6.
pub fn parse_connect_response(data: &[u8]) -> Result<ServerSettings, McsError> {
    let mut c = Cursor::new(data);
    let mut cr = ber_application(&mut c, 0x66, "MCS Connect-Response")?;
    let at = cr.pos();
    let result = ber_uint(&mut cr, 0x0A, "result")?;
    let result = u8::try_from(result)
        .map_err(|_| Cursor::err_at(at, format!("result: {result} out of range")))?;
    let called_connect_id = ber_uint(&mut cr, 0x02, "calledConnectId")?;
    let domain = ber_domain_parameters(&mut cr, "domainParameters")?;
    let mut out = ServerSettings {
        result,
        called_connect_id,
        domain_parameters: Some(domain),
        ..ServerSettings::default()
    };
    let mut gcc = ber_tlv(&mut cr, 0x04, "userData")?;
    if gcc.is_empty() {
        // A failed Connect-Response may carry no GCC data.
        return Ok(out);
    }
    let (gcc_result, user) = gcc_conference_create_response(&mut gcc)?;
    out.gcc_result = gcc_result;
    for_each_block(user, |kind, body| {
        match kind {
            SC_CORE => out.core = Some(sc_core(body)?),
            SC_SECURITY => out.security = Some(sc_security(body)?),
            SC_NET => out.network = Some(sc_net(body)?),
            SC_MCS_MSGCHANNEL => out.message_channel = Some(sc_msgchannel(body)?),
            SC_MULTITRANSPORT => out.multitransport_flags = Some(sc_multitransport(body)?),
            other => out.other_blocks.push(other),
        }
        Ok(())
    })?;
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Names.

/// Name of a Windows keyboard layout (the HKL in TS_UD_CS_CORE.keyboardLayout, MS-RDPBCGR
/// 2.2.1.3.2; values from the Windows keyboard identifiers), or `None` when unknown.
pub fn keyboard_layout_name(layout: u32) -> Option<&'static str> {
    Some(match layout {
        0x0000_0401 => "Arabic (101)",
        0x0000_0402 => "Bulgarian",
        0x0000_0404 => "Chinese (Traditional) - US Keyboard",
        0x0000_0405 => "Czech",
        0x0000_0406 => "Danish",
        0x0000_0407 => "German - Germany",
        0x0000_0408 => "Greek",
        0x0000_0409 => "English - United States",
        0x0000_040A => "Spanish - Traditional Sort",
        0x0000_040B => "Finnish",
        0x0000_040C => "French - France",
        0x0000_040D => "Hebrew",
        0x0000_040E => "Hungarian",
        0x0000_040F => "Icelandic",
        0x0000_0410 => "Italian - Italy",
        0x0000_0411 => "Japanese",
        0x0000_0412 => "Korean",
        0x0000_0413 => "Dutch - Netherlands",
        0x0000_0414 => "Norwegian (Bokmal)",
        0x0000_0415 => "Polish (Programmers)",
        0x0000_0416 => "Portuguese - Brazil",
        0x0000_0418 => "Romanian",
        0x0000_0419 => "Russian",
        0x0000_041A => "Croatian",
        0x0000_041B => "Slovak",
        0x0000_041C => "Albanian",
        0x0000_041D => "Swedish",
        0x0000_041E => "Thai (Kedmanee)",
        0x0000_041F => "Turkish Q",
        0x0000_0420 => "Urdu",
        0x0000_0422 => "Ukrainian",
        0x0000_0423 => "Belarusian",
        0x0000_0424 => "Slovenian",
        0x0000_0425 => "Estonian",
        0x0000_0426 => "Latvian",
        0x0000_0427 => "Lithuanian IBM",
        0x0000_0429 => "Persian",
        0x0000_042A => "Vietnamese",
        0x0000_042B => "Armenian Eastern",
        0x0000_042C => "Azeri Latin",
        0x0000_042F => "Macedonian (FYROM)",
        0x0000_0437 => "Georgian",
        0x0000_0438 => "Faeroese",
        0x0000_0439 => "Devanagari - INSCRIPT",
        0x0000_043F => "Kazakh",
        0x0000_0440 => "Kyrgyz Cyrillic",
        0x0000_0444 => "Tatar",
        0x0000_0445 => "Bengali",
        0x0000_0449 => "Tamil",
        0x0000_0450 => "Mongolian Cyrillic",
        0x0000_0452 => "United Kingdom Extended",
        0x0000_0804 => "Chinese (Simplified) - US Keyboard",
        0x0000_0807 => "German - Switzerland",
        0x0000_0809 => "English - United Kingdom",
        0x0000_080A => "Spanish - Mexico (Latin American)",
        0x0000_080C => "French - Belgium",
        0x0000_0813 => "Dutch - Belgium",
        0x0000_0816 => "Portuguese - Portugal",
        0x0000_081A => "Serbian (Latin)",
        0x0000_0C04 => "Chinese (Traditional) - Hong Kong S.A.R.",
        0x0000_0C0A => "Spanish - International Sort",
        0x0000_0C0C => "French - Canada",
        0x0000_0C1A => "Serbian (Cyrillic)",
        0x0000_1004 => "Chinese (Simplified) - Singapore",
        0x0000_1009 => "English - Canada",
        0x0000_100C => "French - Switzerland",
        0x0000_1409 => "English - New Zealand",
        0x0000_1809 => "English - Ireland",
        0x0001_0402 => "Bulgarian (Latin)",
        0x0001_0405 => "Czech (QWERTY)",
        0x0001_0407 => "German (IBM)",
        0x0001_0408 => "Greek (220)",
        0x0001_0409 => "United States - Dvorak",
        0x0001_040A => "Spanish Variation",
        0x0001_040E => "Hungarian 101-key",
        0x0001_0410 => "Italian (142)",
        0x0001_0415 => "Polish (214)",
        0x0001_0416 => "Portuguese (Brazilian ABNT2)",
        0x0001_0419 => "Russian (Typewriter)",
        0x0001_041B => "Slovak (QWERTY)",
        0x0001_041E => "Thai (Pattachote)",
        0x0001_041F => "Turkish F",
        0x0001_0426 => "Latvian (QWERTY)",
        0x0001_0427 => "Lithuanian",
        0x0001_1009 => "Canadian Multilingual Standard",
        0x0002_0409 => "United States - International",
        0x0002_041E => "Thai (Kedmanee) (non-ShiftLock)",
        0x0003_0409 => "United States - Dvorak left hand",
        0x0003_041E => "Thai (Pattachote) (non-ShiftLock)",
        0x0004_0409 => "United States - Dvorak right hand",
        0x0005_0409 => "United States - US English Table for IBM Arabic 238_L",
        0xE001_0404 => "Chinese (Traditional) - Phonetic",
        0xE001_0411 => "Japanese Input System (MS-IME2002)",
        0xE001_0412 => "Korean Input System (IME 2000)",
        0xE001_0804 => "Chinese (Simplified) - QuanPin",
        _ => return None,
    })
}

/// Name of a TS_UD_CS_CORE / TS_UD_SC_CORE version (MS-RDPBCGR 2.2.1.3.2, 2.2.1.4.2).
pub fn rdp_version_name(version: u32) -> &'static str {
    match version {
        0x0008_0001 => "RDP 4.0",
        0x0008_0004 => "RDP 5.0-8.1",
        0x0008_0005 => "RDP 10.0",
        0x0008_0006 => "RDP 10.1",
        0x0008_0007 => "RDP 10.2",
        0x0008_0008 => "RDP 10.3",
        0x0008_0009 => "RDP 10.4",
        0x0008_000A => "RDP 10.5",
        0x0008_000B => "RDP 10.6",
        0x0008_000C => "RDP 10.7",
        0x0008_000D => "RDP 10.8",
        0x0008_000E => "RDP 10.9",
        0x0008_000F => "RDP 10.10",
        0x0008_0010 => "RDP 10.11",
        0x0008_0011 => "RDP 10.12",
        _ => "unknown",
    }
}

/// Name of a TS_UD_SC_SEC1 encryptionMethod (MS-RDPBCGR 2.2.1.4.3).
pub fn encryption_method_name(method: u32) -> &'static str {
    match method {
        0x00 => "None",
        0x01 => "40-bit",
        0x02 => "128-bit",
        0x08 => "56-bit",
        0x10 => "FIPS",
        _ => "unknown",
    }
}

/// Name of a TS_UD_SC_SEC1 encryptionLevel (MS-RDPBCGR 2.2.1.4.3).
pub fn encryption_level_name(level: u32) -> &'static str {
    match level {
        0 => "None",
        1 => "Low",
        2 => "Client Compatible",
        3 => "High",
        4 => "FIPS",
        _ => "unknown",
    }
}
