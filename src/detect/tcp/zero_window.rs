//! `tcp.zero_window`: a side advertised a zero receive window during connection setup —
//! its application stopped reading. "During setup" means within the connection's first
//! packets kept in full by the timeline (`flow::timeline::HEAD`): a slow client that pauses
//! reading screen updates later is not a setup failure.

use super::TcpView;
use crate::detect::{Finding, Severity};
use crate::flow::Side;
use crate::state::phase::Phase;

pub fn detect(views: &[TcpView<'_>]) -> Vec<Finding> {
    let mut out = Vec::new();
    for v in views {
        if v.phase.phase >= Phase::Session {
            continue;
        }
        let c = v.conversation;
        let Some(t) = c.tcp.as_ref() else { continue };
        for side in [Side::Client, Side::Server] {
            let z = &t.dir(side).stats.zero_window;
            let Some(first) = z.first() else { continue };
            let setup_end = t
                .timeline
                .packets()
                .take(crate::flow::timeline::HEAD)
                .last()
                .map_or(0, |p| p.frame);
            if first > setup_end {
                continue;
            }
            let who = if side == Side::Client {
                "client"
            } else {
                "server"
            };
            let mut f = Finding::new(
                "tcp.zero_window",
                Severity::Warning,
                c.stream,
                z.frames.clone(),
                format!(
                    "the {who} advertised a zero receive window {} time{} during setup (first in frame {first}): its application stopped reading",
                    z.count,
                    if z.count == 1 { "" } else { "s" }
                ),
            );
            f.meaning = Some("The receiving program is stuck or overloaded (not reading its socket). Check the process on that side.".into());
            out.push(f);
        }
    }
    out
}
