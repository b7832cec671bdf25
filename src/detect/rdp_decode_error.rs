//! `rdp.decode_error`: an RDP setup message that could not be decoded (malformed or not
//! what the protocol allows at that point). Decoding of that direction stopped there; the
//! rest of the analysis goes on.

use super::{Finding, Severity};
use crate::analyze::Analysis;
use crate::proto::observation::Observed;

pub fn detect(a: &Analysis) -> Vec<Finding> {
    let mut out = Vec::new();
    for (&stream, obs) in &a.observations {
        for o in obs {
            if let Observed::DecodeError {
                decoder,
                offset,
                reason,
            } = &o.what
            {
                out.push(Finding::new(
                    "rdp.decode_error",
                    Severity::Warning,
                    stream,
                    vec![o.frame],
                    format!(
                        "malformed {decoder} from the {:?} (frame {}, offset {offset}): {reason}",
                        o.from, o.frame
                    )
                    .replace("Client", "client")
                    .replace("Server", "server"),
                ));
            }
        }
    }
    out
}
