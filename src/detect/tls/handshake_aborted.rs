//! `tls.handshake_aborted`: a ClientHello went unanswered — no ServerHello and no alert in
//! clear — and the connection was closed (FIN/RST), or the server answered with something
//! that is not TLS (an RDP disconnect). Windows Schannel often resets like this when it
//! cannot use its certificate or private key, or when the protocol/cipher policy leaves
//! nothing to offer.

use super::{TlsConnection, first_close, frame_ts, side_name};
use crate::detect::{Finding, Severity};
use crate::flow::Side;
use crate::proto::observation::Observed;

pub fn detect(conns: &[TlsConnection<'_>]) -> Vec<Finding> {
    let mut out = Vec::new();
    for c in conns {
        let t = &c.tls;
        let (Some(ch), Some(ch_ts)) = (t.client_hello_frame, t.client_hello_ts) else {
            continue;
        };
        if t.server_hello_frame.is_some() || t.hello_retry_frame.is_some() || !t.alerts.is_empty() {
            continue;
        }
        // Something the server sent in clear instead of a ServerHello (RDP setup decoder).
        let server_instead = c.observations.iter().find(|o| {
            o.from == Side::Server
                && o.frame >= ch
                && matches!(
                    o.what,
                    Observed::McsDisconnectProviderUltimatum { .. }
                        | Observed::X224DisconnectRequest
                )
        });
        let close = first_close(c.conversation, ch);
        if close.is_none() && server_instead.is_none() {
            continue;
        }
        let mut frames = vec![ch];
        let mut parts = Vec::new();
        let mut by_server = false;
        if let Some(o) = server_instead {
            frames.push(o.frame);
            by_server = true;
            let what = match o.what {
                Observed::X224DisconnectRequest => "an X.224 Disconnect Request",
                _ => "an MCS Disconnect Provider Ultimatum",
            };
            parts.push(format!(
                "the server answered with {what} in clear (frame {}, {:.3} s later) instead of a ServerHello",
                o.frame,
                ch_ts.secs_until(o.ts)
            ));
        }
        if let Some((side, frame, kind)) = close {
            frames.push(frame);
            by_server |= side == Side::Server && server_instead.is_none();
            let when = frame_ts(c.conversation, frame)
                .map(|ts| format!(", {:.3} s after the ClientHello", ch_ts.secs_until(ts)))
                .unwrap_or_default();
            parts.push(format!(
                "the {} closed first ({kind}, frame {frame}{when})",
                side_name(side)
            ));
        }
        frames.sort_unstable();
        frames.dedup();
        let mut f = Finding::new(
            "tls.handshake_aborted",
            if by_server {
                Severity::Error
            } else {
                Severity::Warning
            },
            c.stream(),
            frames,
            format!(
                "the ClientHello (frame {ch}{}) got no ServerHello and no TLS alert: {}",
                t.sni
                    .as_ref()
                    .map(|s| format!(", SNI {s}"))
                    .unwrap_or_default(),
                parts.join("; ")
            ),
        );
        f.meaning = Some(if by_server {
            "The server gave up on the TLS handshake without saying why. On Windows look at the System log for Schannel events 36870/36871/36874/36888 (certificate private key not accessible, no common protocol or cipher); on xrdp at xrdp.log (certificate/key problems). Check that the certificate bound to RDP-Tcp has a private key the NETWORK SERVICE account can read."
        } else {
            "The client gave up before the server answered: a client-side policy, a timeout, or a middlebox."
        }.into());
        out.push(f);
    }
    out
}
