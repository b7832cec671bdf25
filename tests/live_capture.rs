//! Live capture smoke test (feature `live`): a veth pair into a network namespace made for
//! the test, samples/rdp-port-closed.pcap replayed into it with tcpreplay from inside the
//! namespace, and LiveCapture on the host end with DEFAULT_FILTER must see the file's frames
//! byte for byte. Needs root (namespaces, raw capture); without it the test says it is
//! skipped, unless RDPTRIAGE_REQUIRE_LIVE is set, then it fails. Traffic stays inside the
//! veth pair created here; both ends and the namespace are removed on any exit.
#![cfg(feature = "live")]

mod common;

use common::live::{VethLab, may_run};

use rdptriage::capture::live::{
    DEFAULT_FILTER, LiveCapture, LiveError, LiveOptions, list_interfaces,
};
use rdptriage::capture::{CaptureReader, Timestamp};
use std::time::{Duration, Instant};

const SAMPLE: &str = "samples/rdp-port-closed.pcap";

#[test]
fn replayed_frames_arrive_byte_for_byte() {
    if !may_run("replayed_frames_arrive_byte_for_byte") {
        return;
    }
    // The file: tshark shows 4 frames, SYN, RST/ACK, SYN, RST/ACK (10.0.1.2 <-> 10.0.2.2:3389).
    let mut expected = Vec::new();
    CaptureReader::read(std::fs::File::open(SAMPLE).unwrap(), |f| {
        expected.push((f.wire_len, f.data.to_vec()))
    })
    .unwrap();
    assert_eq!(expected.len(), 4);

    let lab = VethLab::new("rlc");
    let mut capture = LiveCapture::open(&LiveOptions::new(lab.host_end.clone())).unwrap();
    assert_eq!(capture.link_type(), 1, "veth is Ethernet");
    assert!(
        capture.nanosecond_timestamps(),
        "libpcap on Linux grants nanoseconds"
    );

    lab.replay(SAMPLE);
    let started = Timestamp(
        (std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()) as i64,
    );

    let mut got = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut last_number = 0;
    while got.len() < expected.len() && Instant::now() < deadline {
        if let Some(f) = capture.next_frame().unwrap() {
            assert_eq!(f.number, last_number + 1);
            last_number = f.number;
            got.push((f.wire_len, f.data.to_vec(), f.ts));
        }
    }
    assert_eq!(got.len(), 4, "frames seen: {got:?}");
    for (i, ((wire_len, data, ts), (e_len, e_data))) in got.iter().zip(&expected).enumerate() {
        assert_eq!(wire_len, e_len, "frame {}", i + 1);
        assert_eq!(data, e_data, "frame {}", i + 1);
        // Stamped by the host now, not the file's 2025 time: within a minute of the replay.
        assert!(
            (ts.0 - started.0).abs() < 60_000_000_000,
            "frame {} stamped {ts:?}, replay ended {started:?}",
            i + 1
        );
    }
    let stats = capture.stats().unwrap();
    assert!(stats.received >= 4, "{stats:?}");
    assert_eq!(stats.dropped, 0, "{stats:?}");
    drop(capture);
    drop(lab);
}

#[test]
fn errors_say_what_to_do() {
    if !may_run("errors_say_what_to_do") {
        return;
    }
    let err = match LiveCapture::open(&LiveOptions::new("rdpt-no-such0")) {
        Err(e) => e,
        Ok(_) => panic!("opened an interface that does not exist"),
    };
    assert!(matches!(err, LiveError::NoSuchDevice { .. }), "{err:?}");
    let text = err.to_string();
    assert!(text.contains("rdpt-no-such0"), "{text}");
    assert!(text.contains("rdptriage live --list-interfaces"), "{text}");

    let mut options = LiveOptions::new("lo");
    options.filter = "tcp port 3389 or bogus".to_string();
    let err = match LiveCapture::open(&options) {
        Err(e) => e,
        Ok(_) => panic!("accepted a filter tcpdump rejects"),
    };
    assert!(matches!(err, LiveError::BadFilter { .. }), "{err:?}");
    let text = err.to_string();
    assert!(text.contains("tcp port 3389 or bogus"), "{text}");
    assert!(text.contains("lo"), "{text}");

    // The default filter compiles (tcpdump -d accepts it too).
    let mut on_lo = LiveCapture::open(&LiveOptions::new("lo")).unwrap();
    // Loopback is LINKTYPE_ETHERNET on Linux.
    assert_eq!(on_lo.link_type(), 1);
    assert_eq!(on_lo.stats().unwrap().dropped, 0);
    assert!(!DEFAULT_FILTER.is_empty());
}

#[test]
fn interfaces_are_listed() {
    let all = list_interfaces().unwrap();
    let lo = all.iter().find(|i| i.name == "lo").expect("lo is listed");
    assert!(lo.loopback);
    assert!(lo.up);
    assert!(
        lo.addresses.contains(&"127.0.0.1".parse().unwrap()),
        "{:?}",
        lo.addresses
    );
}
