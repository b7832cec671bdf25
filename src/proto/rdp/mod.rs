//! RDP decoders: connection setup (TPKT, X.224, RDP_NEG_* in [`x224`], MCS Connect / GCC in
//! [`mcs`], the stream reader that finds them in [`setup`]) and the connection sequence after
//! negotiation, one file per spec structure (CredSSP, MCS domain PDUs, security, licensing,
//! share headers, capabilities, error info, session info, redirection, multitransport,
//! heartbeat, auto-detect, fast-path framing), read by [`inner`] from decrypted TLS or, under
//! standard RDP security, in clear. Code names are in [`names`].

pub mod autodetect;
pub mod capabilities;
pub mod credssp;
pub mod domain;
pub mod error_info;
pub mod fastpath;
pub mod heartbeat;
pub mod inner;
pub mod licensing;
pub mod mcs;
pub mod multitransport;
pub mod names;
pub mod observed;
pub mod rdstls;
pub mod redirection;
pub mod security;
pub mod session_info;
pub mod setup;
pub mod share;
pub mod summary;
pub mod x224;
