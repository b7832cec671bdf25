//! Draws a [`Ladder`] as inline SVG: one lifeline per column, time downwards, one arrow
//! (`<g class="arrow">`, with `data-frame`, `data-kind`, `data-from`, `data-to`) per event,
//! the failing arrow in red (`class="arrow failing"`).

use super::escape;
use super::ladder::{Column, Ladder};
use std::fmt::Write;

const WIDTH: u32 = 860;
const TOP: u32 = 56;
const ROW: u32 = 30;
const LABEL_CHARS: usize = 64;

fn x(col: Column, middlebox: bool) -> u32 {
    match (col, middlebox) {
        (Column::Client, false) => 190,
        (Column::Server, false) => 790,
        (Column::Client, true) => 150,
        (Column::Middlebox, _) => 480,
        (Column::Server, true) => 810,
    }
}

fn shorten(s: &str) -> String {
    if s.chars().count() <= LABEL_CHARS {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(LABEL_CHARS - 1).collect();
        t.push('…');
        t
    }
}

/// The SVG of one ladder; `id` makes its marker ids unique in the page.
pub fn render(ladder: &Ladder, id: &str, client: &str, server: &str) -> String {
    let mb = ladder.middlebox;
    let rows = ladder.events.len() as u32 + 1 + u32::from(ladder.omitted > 0);
    let height = TOP + ROW * rows;
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="ladder" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" role="img" aria-label="ladder diagram of {id}" data-events="{n}">"#,
        n = ladder.events.len()
    );
    let _ = write!(
        s,
        r##"<defs><marker id="{id}-head" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#444"/></marker><marker id="{id}-fail" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="3.5" markerHeight="3.5" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#c0392b"/></marker></defs>"##
    );
    let mut columns = vec![(Column::Client, client)];
    if mb {
        columns.push((Column::Middlebox, "forged packets (TTL)"));
    }
    columns.push((Column::Server, server));
    for (col, name) in &columns {
        let cx = x(*col, mb);
        let _ = write!(
            s,
            r##"<text class="column" x="{cx}" y="20" text-anchor="middle" font-weight="bold">{}</text><text class="column-address" x="{cx}" y="36" text-anchor="middle" font-size="11">{}</text><line class="lifeline" x1="{cx}" y1="{TOP}" x2="{cx}" y2="{height}" stroke="{}" stroke-width="2"{}/>"##,
            col.word(),
            escape(name),
            if *col == Column::Middlebox {
                "#b9770e"
            } else {
                "#888"
            },
            if *col == Column::Middlebox {
                r#" stroke-dasharray="6 4""#
            } else {
                ""
            },
        );
    }
    let several = ladder.streams.len() > 1;
    for (i, e) in ladder.events.iter().enumerate() {
        let y = TOP + ROW * (i as u32 + 1);
        let (x1, x2) = (x(e.from, mb), x(e.to, mb));
        let class = if e.failing { "arrow failing" } else { "arrow" };
        let (stroke, width, marker) = if e.failing {
            ("#c0392b", 3, "fail")
        } else {
            ("#444", 1, "head")
        };
        let mut label = e.label.clone();
        if several {
            label = format!("tcp/{}: {label}", e.stream);
        }
        let kind = serde_json::to_value(e.kind)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        let _ = write!(
            s,
            r##"<g class="{class}" data-frame="{frame}" data-stream="{stream}" data-kind="{kind}" data-from="{from}" data-to="{to}"><title>frame {frame}: {full}</title><text class="frame" x="8" y="{ty}" font-size="11" fill="#666">#{frame}</text><line x1="{x1}" y1="{y}" x2="{x2}" y2="{y}" stroke="{stroke}" stroke-width="{width}" marker-end="url(#{id}-{marker})"/><text x="{mid}" y="{ly}" text-anchor="middle" font-size="12"{fill}>{text}</text></g>"##,
            frame = e.frame,
            stream = e.stream,
            from = e.from.word(),
            to = e.to.word(),
            full = escape(&label),
            ty = y + 4,
            mid = (x1 + x2) / 2,
            ly = y - 5,
            fill = if e.failing {
                r##" fill="#c0392b" font-weight="bold""##
            } else {
                ""
            },
            text = escape(&shorten(&label)),
        );
    }
    if ladder.omitted > 0 {
        let _ = write!(
            s,
            r##"<text class="omitted" x="{}" y="{}" text-anchor="middle" font-size="12" fill="#666">… {} more events not drawn</text>"##,
            WIDTH / 2,
            height - ROW / 2,
            ladder.omitted
        );
    }
    s.push_str("</svg>");
    s
}
