//! Certificate decoding and the name checks on arbitrary DER: byte 0 splits the input into a
//! host name (UTF-8, lossy) and the certificate bytes; the certificate is described
//! (`CertInfo::from_der`, x509-parser underneath) and matched against the name with the
//! wildcard / IP rules the `tls.cert_name_mismatch` detector uses.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rdptriage::detect::tls::hostname::{cert_matches, cert_names, dns_matches};
use rdptriage::proto::tls::cert::{CertInfo, describe_chain};

fuzz_target!(|data: &[u8]| {
    let Some((&split, rest)) = data.split_first() else {
        return;
    };
    let (name, der) = rest.split_at(usize::from(split).min(rest.len()));
    let name = String::from_utf8_lossy(name);
    let cert = CertInfo::from_der(0, der);
    let _ = cert_matches(&cert, &name);
    for pattern in cert_names(&cert) {
        let _ = dns_matches(&pattern, &name);
    }
    let _ = describe_chain([der, der].into_iter());
    let _ = serde_json::to_string(&cert);
});
