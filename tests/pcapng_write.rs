//! pcapng_write: every frame of a sample written back with its key log as a Decryption Secrets
//! Block, then read by tshark (frame count, first and last time stamps, decryption with the
//! embedded secrets alone) and by our own CaptureReader.

use rdptriage::capture::pcapng_write::{PcapngWriter, SECRETS_TYPE_TLS_KEY_LOG};
use rdptriage::capture::{CaptureReader, Timestamp};
use std::path::{Path, PathBuf};
use std::process::Command;

const SAMPLE: &str = "samples/rdp-tls-healthy-xrdp.pcap";
/// samples/MANIFEST.json: "keylog": "rdp-tls-healthy-xrdp.keys" for this sample.
const KEYLOG: &str = "samples/rdp-tls-healthy-xrdp.keys";

struct Owned {
    ts: Timestamp,
    wire_len: u32,
    link_type: u32,
    data: Vec<u8>,
}

fn tshark(args: &[&str]) -> String {
    let out = Command::new("tshark")
        .args(["-n", "-2"])
        .args(args)
        .output()
        .expect("tshark runs");
    assert!(
        out.status.success(),
        "tshark {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn lines(s: &str) -> Vec<&str> {
    s.lines().filter(|l| !l.trim().is_empty()).collect()
}

fn out_path() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"));
    dir.join(format!("pcapng_write-{}.pcapng", std::process::id()))
}

#[test]
fn written_pcapng_reads_back_in_tshark_and_ours() {
    let mut frames = Vec::new();
    let info = CaptureReader::read(std::fs::File::open(SAMPLE).unwrap(), |f| {
        frames.push(Owned {
            ts: f.ts,
            wire_len: f.wire_len,
            link_type: f.link_type,
            data: f.data.to_vec(),
        })
    })
    .unwrap();
    assert!(info.stopped.is_none());
    let keylog = std::fs::read(KEYLOG).unwrap();

    let path = out_path();
    let file = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    let snaplen = info.interfaces.first().map_or(262_144, |i| i.snaplen);
    let mut w = PcapngWriter::new(file, frames[0].link_type, snaplen).unwrap();
    w.write_secrets(&keylog).unwrap();
    for f in &frames {
        w.write_frame(f.ts, f.wire_len, &f.data).unwrap();
    }
    assert_eq!(w.frames(), frames.len() as u64);
    w.into_inner().unwrap();
    let out = path.to_str().unwrap();

    // Frame count: tshark counts 232 frames in the sample.
    let original = tshark(&["-r", SAMPLE, "-T", "fields", "-e", "frame.number"]);
    let written = tshark(&["-r", out, "-T", "fields", "-e", "frame.number"]);
    assert_eq!(lines(&original).len(), 232);
    assert_eq!(lines(&written).len(), 232);
    assert_eq!(frames.len(), 232);

    // Time stamps of the first and last frames, as tshark prints them (the sample is a
    // microsecond pcap; the copy stores nanoseconds).
    let epochs = |file: &str| {
        let t = tshark(&["-r", file, "-T", "fields", "-e", "frame.time_epoch"]);
        let l = lines(&t).iter().map(|s| s.to_string()).collect::<Vec<_>>();
        (l[0].clone(), l[l.len() - 1].clone())
    };
    let (o_first, o_last) = epochs(SAMPLE);
    let (w_first, w_last) = epochs(out);
    assert_eq!(o_first, w_first);
    assert_eq!(o_last, w_last);
    // Frame bytes and lengths as tshark shows them, for every frame.
    let lens = |file: &str| {
        tshark(&[
            "-r",
            file,
            "-T",
            "fields",
            "-e",
            "frame.len",
            "-e",
            "frame.cap_len",
        ])
    };
    assert_eq!(lens(SAMPLE), lens(out));

    // Decryption with the embedded secrets alone: tshark finds the TLS 1.3 Finished
    // messages (handshake type 20, encrypted in TLS 1.3) only when it can decrypt. With the
    // key log file on the original: 2 (frames 9 and 10: server and client Finished); without
    // keys: 0.
    let finished = |args: &[&str]| {
        let mut a = vec![
            "-d",
            "tcp.port==3389,tls",
            "-Y",
            "tls.handshake.type == 20",
            "-T",
            "fields",
            "-e",
            "frame.number",
        ];
        a.extend_from_slice(args);
        lines(&tshark(&a)).len()
    };
    let with_keylog_file = finished(&["-r", SAMPLE, "-o", &format!("tls.keylog_file:{KEYLOG}")]);
    let without_keys = finished(&["-r", SAMPLE]);
    let embedded = finished(&["-r", out]);
    assert_eq!(without_keys, 0);
    assert_eq!(with_keylog_file, 2);
    assert_eq!(embedded, with_keylog_file);

    // Our own reader: same frames, one secrets block before frame 1.
    let mut back = Vec::new();
    let mut secrets_seen = Vec::new();
    let info2 = CaptureReader::read_with_secrets(
        std::fs::File::open(&path).unwrap(),
        |f| back.push((f.number, f.ts, f.wire_len, f.link_type, f.data.to_vec())),
        |s| secrets_seen.push((s.secrets_type, s.after_frame, s.data.clone())),
    )
    .unwrap();
    assert!(info2.stopped.is_none());
    assert_eq!(back.len(), frames.len());
    for (i, (b, f)) in back.iter().zip(&frames).enumerate() {
        assert_eq!(b.0, i as u64 + 1);
        assert_eq!(
            (b.1, b.2, b.3),
            (f.ts, f.wire_len, f.link_type),
            "frame {}",
            i + 1
        );
        assert_eq!(b.4, f.data, "frame {}", i + 1);
    }
    assert_eq!(secrets_seen.len(), 1);
    assert_eq!(secrets_seen[0].0, SECRETS_TYPE_TLS_KEY_LOG);
    assert_eq!(secrets_seen[0].1, 0);
    assert_eq!(secrets_seen[0].2, keylog);
    assert_eq!(info2.interfaces[0].ts_units_per_sec, 1_000_000_000);
    let _ = std::fs::remove_file(&path);
}
