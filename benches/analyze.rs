//! Throughput of the pipeline stages over an in-memory RDP-heavy capture, built at start by
//! replicating the corpus captures (see `support/replicate.rs`).
//!
//! ```text
//! cargo bench --bench analyze                  # all stages
//! cargo bench --bench analyze -- capture_reader
//! RDPTRIAGE_BENCH_MIB=32 cargo bench --bench analyze
//! ```
//!
//! Stages, each including the ones above it:
//! * `pcap_parser_records` — pcap-parser's legacy reader alone (lower bound of the reader);
//! * `capture_reader` — `CaptureReader::read` (frame numbering, per-file counters);
//! * `reader_link_decode` — plus link-layer stripping and `net::Decoder` (checksums);
//! * `analyze_reader` — the whole analysis (plus tunnels, the flow table, TCP reassembly
//!   and the protocol decoders);
//! * `analyze_report_json` — plus `engine::file_report` (detectors, diagnosis, report) and writing the
//!   pretty JSON to a byte-counting sink (what `rdptriage analyze --format json` does,
//!   minus the file).

#[path = "support/replicate.rs"]
mod replicate;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use pcap_parser::traits::PcapReaderIterator;
use pcap_parser::{LegacyPcapReader, PcapBlockOwned, PcapError};
use rdptriage::analyze::analyze_reader;
use rdptriage::capture::{CaptureReader, strip_link_layer};
use rdptriage::net::{Decoded, Decoder};
use std::hint::black_box;
use std::io::Cursor;
use std::time::Duration;

/// Size of the in-memory capture, MiB (override with `RDPTRIAGE_BENCH_MIB`).
const DEFAULT_MIB: u64 = 64;

/// Size when run as a test (`cargo test --benches`, which unlike `cargo bench` does not
/// pass `--bench`): criterion then runs each stage once.
const TEST_MODE_MIB: u64 = 4;

fn capture() -> Vec<u8> {
    let test_mode = !std::env::args().any(|a| a == "--bench");
    let mib = std::env::var("RDPTRIAGE_BENCH_MIB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if test_mode {
            TEST_MODE_MIB
        } else {
            DEFAULT_MIB
        });
    let template = replicate::Template::load(&replicate::default_inputs())
        .unwrap_or_else(|e| panic!("cannot build the bench capture: {e}"));
    let bytes = template.build(mib << 20, replicate::DEFAULT_MAX_CONVERSATIONS);
    eprintln!(
        "bench capture: {} bytes from {} inputs ({} conversations per replica)",
        bytes.len(),
        template.used.len(),
        template.conversations
    );
    bytes
}

/// pcap-parser's reader walking every record, touching each record's length.
fn pcap_parser_walk(data: &[u8]) -> u64 {
    let mut reader = LegacyPcapReader::new(4 << 20, Cursor::new(data)).expect("pcap header");
    let mut total = 0u64;
    loop {
        match reader.next() {
            Ok((consumed, block)) => {
                if let PcapBlockOwned::Legacy(rec) = block {
                    total += u64::from(rec.caplen) + u64::from(rec.data[0]);
                }
                reader.consume(consumed);
            }
            Err(PcapError::Eof) => break,
            Err(PcapError::Incomplete(_)) => reader.refill().expect("refill"),
            Err(e) => panic!("pcap-parser: {e:?}"),
        }
    }
    total
}

fn stages(c: &mut Criterion) {
    let data = capture();
    let mut group = c.benchmark_group("stages");
    group
        .throughput(Throughput::Bytes(data.len() as u64))
        .sample_size(10)
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(8));

    group.bench_function("pcap_parser_records", |b| {
        b.iter(|| black_box(pcap_parser_walk(black_box(&data))))
    });

    group.bench_function("capture_reader", |b| {
        b.iter(|| {
            let mut bytes = 0usize;
            let info = CaptureReader::read(Cursor::new(black_box(&data[..])), |frame| {
                bytes += frame.data.len();
            })
            .expect("readable");
            black_box((info.frames, bytes))
        })
    });

    group.bench_function("reader_link_decode", |b| {
        b.iter(|| {
            let mut decoder = Decoder::new();
            let mut packets = 0u64;
            let info = CaptureReader::read(Cursor::new(black_box(&data[..])), |frame| {
                if let Ok(net) = strip_link_layer(frame.link_type, frame.data)
                    && let Decoded::Packet(p) = decoder.decode(net, frame.ts)
                {
                    black_box(&p);
                    packets += 1;
                }
            })
            .expect("readable");
            black_box((info.frames, packets, decoder.stats.bad_tcp_checksums))
        })
    });

    group.bench_function("analyze_reader", |b| {
        b.iter(|| {
            let analysis = analyze_reader(
                "bench".to_string(),
                Cursor::new(black_box(&data[..])),
                false,
                None,
            )
            .expect("analysable");
            black_box(analysis.conversations.len())
        })
    });

    group.bench_function("analyze_report_json", |b| {
        b.iter(|| {
            let analysis = analyze_reader(
                "bench".to_string(),
                Cursor::new(black_box(&data[..])),
                false,
                None,
            )
            .expect("analysable");
            let report = rdptriage::engine::file_report(analysis);
            let mut out = CountingSink(0);
            serde_json::to_writer_pretty(&mut out, &report).expect("serialisable");
            black_box(out.0)
        })
    });
    group.finish();
}

/// Discards output, counting bytes.
struct CountingSink(u64);

impl std::io::Write for CountingSink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len() as u64;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

criterion_group!(benches, stages);
criterion_main!(benches);
