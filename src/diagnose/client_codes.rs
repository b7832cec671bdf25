//! What mstsc showed: for a failed attempt, the "extended error code" the client received
//! (the server's errorInfo, MS-RDPBCGR 2.2.5.1.1, which ExtendedDisconnectReason mirrors
//! number for number — RDP-FACTS §3.6) and the main disconnect reason it displays
//! (IMsTscAxEvents::OnDisconnected discReason, RDP-FACTS §3.5), each marked `seen` (read in
//! the plaintext) or `inferred` (from how the connection ended), so an administrator can
//! match the verdict to the dialog "error code 0x904, extended error code 0x7".

use crate::flow::Side;
use crate::state::{ConnectionState, EndHow, Stage};
use serde::Serialize;

/// One code as mstsc would show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClientCode {
    pub code: u32,
    /// e.g. `0x904`.
    pub hex: String,
    pub name: &'static str,
    /// `seen` (read in the capture) or `inferred`.
    pub basis: &'static str,
    pub why: String,
}

/// The codes of one failed attempt.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ClientCodes {
    /// The main "error code" (discReason).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disconnect_reason: Option<ClientCode>,
    /// The "extended error code" (ExtendedDisconnectReason = the server's errorInfo).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extended_reason: Option<ClientCode>,
}

impl ClientCodes {
    pub fn is_empty(&self) -> bool {
        self.disconnect_reason.is_none() && self.extended_reason.is_none()
    }
}

fn code(code: u32, name: &'static str, basis: &'static str, why: String) -> ClientCode {
    ClientCode {
        code,
        hex: format!("0x{code:X}"),
        name,
        basis,
        why,
    }
}

/// RDP-FACTS §3.5: the SSL_ERR_* discReason mstsc shows for an NLA refusal with this
/// NTSTATUS (by name; the mapping is mstsc's, undocumented, hence `inferred`).
fn credssp_disc_reason(status: u32) -> Option<(u32, &'static str)> {
    Some(match status {
        0xC000_006D | 0xC000_006A => (0x807, "SSL_ERR_LOGON_FAILURE"),
        0xC000_0064 => (0xA07, "SSL_ERR_NO_SUCH_USER"),
        0xC000_0072 => (0xB07, "SSL_ERR_ACCOUNT_DISABLED"),
        0xC000_006E => (0xC07, "SSL_ERR_ACCOUNT_RESTRICTION"),
        0xC000_0234 => (0xD07, "SSL_ERR_ACCOUNT_LOCKED_OUT"),
        0xC000_0193 => (0xE07, "SSL_ERR_ACCOUNT_EXPIRED"),
        0xC000_0071 => (0xF07, "SSL_ERR_PASSWORD_EXPIRED"),
        0xC000_0224 => (0x1207, "SSL_ERR_PASSWORD_MUST_CHANGE"),
        _ => return None,
    })
}

/// The codes a client would show for a connection that ended in `state`; `reset_by_middlebox`
/// when a device forged the reset that ended it.
pub fn for_connection(state: &ConnectionState, reset_by_middlebox: bool) -> ClientCodes {
    let mut out = ClientCodes::default();
    if let Some(e) = state.error_info.last() {
        out.extended_reason = Some(code(
            e.code,
            crate::proto::rdp::names::error_info(e.code).unwrap_or("errorInfo"),
            "seen",
            format!(
                "the server's Set Error Info in frame {} carries it; mstsc's extended code has the same number (RDP-FACTS §3.6)",
                e.frame
            ),
        ));
    }
    let tcp_close = state.ended.tcp_close;
    out.disconnect_reason = match state.ended.how {
        EndHow::CredsspError => state
            .ended
            .code
            .and_then(credssp_disc_reason)
            .map(|(c, n)| {
                code(
                    c,
                    n,
                    "inferred",
                    format!(
                        "mstsc's message for the CredSSP status {} the server sent",
                        state.ended.name.as_deref().unwrap_or("it")
                    ),
                )
            }),
        EndHow::LicenseError => Some(code(
            0x808,
            "LicensingFailed",
            "inferred",
            "the server ended licensing with an error".into(),
        )),
        _ if state.stage <= Stage::Syn => Some(code(
            0x204,
            "SocketConnectFailed",
            "inferred",
            "the TCP connection was never established".into(),
        )),
        _ => match tcp_close {
            Some(c) if c.by == Side::Server || reset_by_middlebox => Some(code(
                0x904,
                "AtClientWinsockFDCLOSE",
                "inferred",
                format!(
                    "the {} closed the socket under the client ({} in frame {}): mstsc reports FD_CLOSE as 0x904 (whether a reset shows as 0x904 or 0x404 is not documented)",
                    if reset_by_middlebox {
                        "network (a forged reset)"
                    } else {
                        "server"
                    },
                    c.kind.to_uppercase(),
                    c.frame
                ),
            )),
            _ => None,
        },
    };
    out
}
