//! Decrypted plaintext of the RD Gateway lab samples, record by record, for the HTTP and
//! RD Gateway decoder tests (generated from tshark output; the frames are Wireshark's).

use crate::flow::Side;

/// Plaintext records of samples/rdg-target-unreachable-standin.pcap (decrypted with its key log, as
/// `tshark -x` shows them): frame, TCP stream, sender, bytes.
pub const TARGET_UNREACHABLE: &[(u64, u64, Side, &[u8])] = &[
    (
        10,
        0,
        Side::Client,
        b"RDG_OUT_DATA /remoteDesktopGateway/ HTTP/1.1\r\n\
        Cache-Control: no-cache\r\n\
        Pragma: no-cache\r\n\
        Accept: */*\r\n\
        User-Agent: MS-RDGateway/1.0\r\n\
        Host: 10.0.2.2\r\n\
        Connection: Keep-Alive\r\n\
        RDG-Connection-Id: {42f62679-8690-9fcd-8941-66a34f87df7b}\r\n\
        Content-Length: 0\r\n\
        Authorization: NTLM TlRMTVNTUAABAAAAt4II4gAAAAAAAAAAAAAAAAAAAAAGAbEdAAAADw==\r\n\
        \r\n",
    ),
    (
        13,
        0,
        Side::Server,
        b"HTTP/1.1 401 Unauthorized\r\n\
        Server: Microsoft-IIS/10.0\r\n\
        Content-Type: text/html\r\n\
        WWW-Authenticate: NTLM TlRMTVNTUAACAAAABgAGADgAAAAVgoniyEA1WlGt8W4AAAAAAAAAAFgAWAA+AAAACgBhSgAAAA9MAEEAQgACAAYATABBAEIAAQAIAFIARABHAFcABAAQAGwAYQBiAC4AdABlAHMAdAADABoAcgBkAGcAdwAuAGwAYQBiAC4AdABlAHMAdAAHAAgAEHNGUkR53QEAAAAA\r\n\
        Content-Length: 147\r\n\
        \r\n\
        <html><head><title>401 - Unauthorized</title></head><body><h1>401 - Unauthorized: Access is denied due to invalid credentials.</h1></body></html>\r\n",
    ),
    (
        15,
        0,
        Side::Client,
        b"RDG_OUT_DATA /remoteDesktopGateway/ HTTP/1.1\r\n\
        Cache-Control: no-cache\r\n\
        Pragma: no-cache\r\n\
        Accept: */*\r\n\
        User-Agent: MS-RDGateway/1.0\r\n\
        Host: 10.0.2.2\r\n\
        Connection: Keep-Alive\r\n\
        RDG-Connection-Id: {42f62679-8690-9fcd-8941-66a34f87df7b}\r\n\
        Content-Length: 0\r\n\
        Authorization: NTLM TlRMTVNTUAADAAAAGAAYAHAAAADKAMoAiAAAAAYABgBYAAAADgAOAF4AAAAEAAQAbAAAABAAEABSAQAANbKI4gYBsR0AAAAPs5g7l1eV5ls5y0CtDCE/3EwAQQBCAGwAYQBiAHUAcwBlAHIAdgBtAFFjbVJ3ZEhKcFlXZGxJR3hoWWlCRFFUQfCsvAgvq+uT1ujnspOs4gIBAQAAAAAAABBzRlJEed0BAcqdwS6UCggAAAAAAgAGAEwAQQBCAAEACABSAEQARwBXAAQAEABsAGEAYgAuAHQAZQBzAHQAAwAaAHIAZABnAHcALgBsAGEAYgAuAHQAZQBzAHQABwAIABBzRlJEed0BBgAEAAIAAAAKABAAv2mtsDJLgN7ONLmzHnZoIgkAGgBIAFQAVABQAC8AMQAwAC4AMAAuADIALgAyAAAAAAAAAAAAAAAAAAAAAABX6yP6xDqab7+r0h70Kd3N\r\n\
        \r\n",
    ),
    (
        16,
        0,
        Side::Server,
        b"HTTP/1.1 200 OK\r\n\
        Server: Microsoft-IIS/10.0\r\n\
        Cache-Control: no-cache\r\n\
        \r\n\
        \xab\xcd\xab\xcd\xab\xcd\xab\xcd\xab\xcd",
    ),
    (
        26,
        1,
        Side::Client,
        b"RDG_IN_DATA /remoteDesktopGateway/ HTTP/1.1\r\n\
        Cache-Control: no-cache\r\n\
        Pragma: no-cache\r\n\
        Accept: */*\r\n\
        User-Agent: MS-RDGateway/1.0\r\n\
        Host: 10.0.2.2\r\n\
        Connection: Keep-Alive\r\n\
        RDG-Connection-Id: {42f62679-8690-9fcd-8941-66a34f87df7b}\r\n\
        Content-Length: 0\r\n\
        Authorization: NTLM TlRMTVNTUAABAAAAt4II4gAAAAAAAAAAAAAAAAAAAAAGAbEdAAAADw==\r\n\
        \r\n",
    ),
    (
        30,
        1,
        Side::Server,
        b"HTTP/1.1 401 Unauthorized\r\n\
        Server: Microsoft-IIS/10.0\r\n\
        Content-Type: text/html\r\n\
        WWW-Authenticate: NTLM TlRMTVNTUAACAAAABgAGADgAAAAVgonikk9GNfmi998AAAAAAAAAAFgAWAA+AAAACgBhSgAAAA9MAEEAQgACAAYATABBAEIAAQAIAFIARABHAFcABAAQAGwAYQBiAC4AdABlAHMAdAADABoAcgBkAGcAdwAuAGwAYQBiAC4AdABlAHMAdAAHAAgA8DVNUkR53QEAAAAA\r\n\
        Content-Length: 147\r\n\
        \r\n\
        <html><head><title>401 - Unauthorized</title></head><body><h1>401 - Unauthorized: Access is denied due to invalid credentials.</h1></body></html>\r\n",
    ),
    (
        32,
        1,
        Side::Client,
        b"RDG_IN_DATA /remoteDesktopGateway/ HTTP/1.1\r\n\
        Cache-Control: no-cache\r\n\
        Pragma: no-cache\r\n\
        Accept: */*\r\n\
        User-Agent: MS-RDGateway/1.0\r\n\
        Host: 10.0.2.2\r\n\
        Connection: Keep-Alive\r\n\
        RDG-Connection-Id: {42f62679-8690-9fcd-8941-66a34f87df7b}\r\n\
        Content-Length: 0\r\n\
        Authorization: NTLM TlRMTVNTUAADAAAAGAAYAHAAAADKAMoAiAAAAAYABgBYAAAADgAOAF4AAAAEAAQAbAAAABAAEABSAQAANbKI4gYBsR0AAAAPzCk7y/5Ta9UOzb5J0l+9ZkwAQQBCAGwAYQBiAHUAcwBlAHIAdgBtAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAIDNzoQAp6ZZmPpV8+Z9pEUBAQAAAAAAAPA1TVJEed0BXDR/DeJR5esAAAAAAgAGAEwAQQBCAAEACABSAEQARwBXAAQAEABsAGEAYgAuAHQAZQBzAHQAAwAaAHIAZABnAHcALgBsAGEAYgAuAHQAZQBzAHQABwAIAPA1TVJEed0BBgAEAAIAAAAKABAAv2mtsDJLgN7ONLmzHnZoIgkAGgBIAFQAVABQAC8AMQAwAC4AMAAuADIALgAyAAAAAAAAAAAAAAAAAAAAAAAiSXS0MkLdcaFrxpLp17mG\r\n\
        \r\n",
    ),
    (
        33,
        1,
        Side::Server,
        b"HTTP/1.1 200 OK\r\n\
        Server: Microsoft-IIS/10.0\r\n\
        Content-Length: 0\r\n\
        \r\n",
    ),
    (
        34,
        1,
        Side::Client,
        b"RDG_IN_DATA /remoteDesktopGateway/ HTTP/1.1\r\n\
        Cache-Control: no-cache\r\n\
        Pragma: no-cache\r\n\
        Accept: */*\r\n\
        User-Agent: MS-RDGateway/1.0\r\n\
        Host: 10.0.2.2\r\n\
        Connection: Keep-Alive\r\n\
        RDG-Connection-Id: {42f62679-8690-9fcd-8941-66a34f87df7b}\r\n\
        Transfer-Encoding: chunked\r\n\
        \r\n",
    ),
    (
        35,
        1,
        Side::Client,
        b"E\r\n\
        \x01\x00\x00\x00\x0e\x00\x00\x00\x01\x00\x00\x00\x00\x00\r\n",
    ),
    (
        37,
        0,
        Side::Server,
        b"\x02\x00\x00\x00\x12\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00",
    ),
    (
        39,
        1,
        Side::Client,
        b"10\r\n\
        \x04\x00\x00\x00\x10\x00\x00\x00\r\x00\x00\x00\x00\x00\x00\x00\r\n",
    ),
    (
        40,
        0,
        Side::Server,
        b"\x05\x00\x00\x00\x12\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00",
    ),
    (
        42,
        1,
        Side::Client,
        b"12\r\n\
        \x06\x00\x00\x00\x12\x00\x00\x00\x00\x00\x06\x00v\x00m\x00\x00\x00\r\n",
    ),
    (
        44,
        0,
        Side::Server,
        b"\x07\x00\x00\x00\x10\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00",
    ),
    (
        46,
        1,
        Side::Client,
        b"22\r\n\
        \x08\x00\x00\x00\"\x00\x00\x00\x01\x00=\r\x03\x00\x12\x001\x000\x00.\x000\x00.\x002\x00.\x002\x00\x00\x00\r\n",
    ),
    (
        47,
        0,
        Side::Server,
        b"\t\x00\x00\x00\x10\x00\x00\x00\xddY\x07\x80\x00\x00\x00\x00",
    ),
];

/// Plaintext records of samples/rdg-no-content-length-standin.pcap (decrypted with its key log, as
/// `tshark -x` shows them): frame, TCP stream, sender, bytes.
pub const NO_CONTENT_LENGTH: &[(u64, u64, Side, &[u8])] = &[
    (
        10,
        0,
        Side::Client,
        b"RDG_OUT_DATA /remoteDesktopGateway/ HTTP/1.1\r\n\
        Cache-Control: no-cache\r\n\
        Pragma: no-cache\r\n\
        Accept: */*\r\n\
        User-Agent: MS-RDGateway/1.0\r\n\
        Host: 10.0.2.2\r\n\
        Connection: Keep-Alive\r\n\
        RDG-Connection-Id: {aaf0c127-f79c-b929-ce25-5eea96efb025}\r\n\
        Content-Length: 0\r\n\
        Authorization: NTLM TlRMTVNTUAABAAAAt4II4gAAAAAAAAAAAAAAAAAAAAAGAbEdAAAADw==\r\n\
        \r\n",
    ),
    (
        13,
        0,
        Side::Server,
        b"HTTP/1.1 401 Unauthorized\r\n\
        Server: Microsoft-IIS/10.0\r\n\
        Content-Type: text/html\r\n\
        WWW-Authenticate: NTLM TlRMTVNTUAACAAAABgAGADgAAAAVgoni1As4x+CL8zoAAAAAAAAAAFgAWAA+AAAACgBhSgAAAA9MAEEAQgACAAYATABBAEIAAQAIAFIARABHAFcABAAQAGwAYQBiAC4AdABlAHMAdAADABoAcgBkAGcAdwAuAGwAYQBiAC4AdABlAHMAdAAHAAgA8Hb4gkN53QEAAAAA\r\n\
        \r\n\
        <html><head><title>401 - Unauthorized</title></head><body><h1>401 - Unauthorized: Access is denied due to invalid credentials.</h1></body></html>\r\n",
    ),
    (
        15,
        0,
        Side::Client,
        b"RDG_OUT_DATA /remoteDesktopGateway/ HTTP/1.1\r\n\
        Cache-Control: no-cache\r\n\
        Pragma: no-cache\r\n\
        Accept: */*\r\n\
        User-Agent: MS-RDGateway/1.0\r\n\
        Host: 10.0.2.2\r\n\
        Connection: Keep-Alive\r\n\
        RDG-Connection-Id: {aaf0c127-f79c-b929-ce25-5eea96efb025}\r\n\
        Content-Length: 0\r\n\
        Authorization: NTLM TlRMTVNTUAADAAAAGAAYAHAAAADKAMoAiAAAAAYABgBYAAAADgAOAF4AAAAEAAQAbAAAABAAEABSAQAANbKI4gYBsR0AAAAPTV8jvSTJ7iX+ngkSysC+PkwAQQBCAGwAYQBiAHUAcwBlAHIAdgBtAFFjbVJ3ZEhKcFlXZGxJR3hoWWlCRFFUQRNi3UyUh/qVclObqZiU+fkBAQAAAAAAAPB2+IJDed0BYb7nFsPeQuMAAAAAAgAGAEwAQQBCAAEACABSAEQARwBXAAQAEABsAGEAYgAuAHQAZQBzAHQAAwAaAHIAZABnAHcALgBsAGEAYgAuAHQAZQBzAHQABwAIAPB2+IJDed0BBgAEAAIAAAAKABAAJwm0o+XBKk2v8o14LBx68AkAGgBIAFQAVABQAC8AMQAwAC4AMAAuADIALgAyAAAAAAAAAAAAAAAAAAAAAACjaqYBrVe+Z9Q/3UO4qECI\r\n\
        \r\n",
    ),
    (
        16,
        0,
        Side::Server,
        b"HTTP/1.1 200 OK\r\n\
        Server: Microsoft-IIS/10.0\r\n\
        Cache-Control: no-cache\r\n\
        \r\n\
        \xab\xcd\xab\xcd\xab\xcd\xab\xcd\xab\xcd",
    ),
];

/// Plaintext records of samples/rdg-auth-denied-standin.pcap (decrypted with its key log, as
/// `tshark -x` shows them): frame, TCP stream, sender, bytes.
pub const AUTH_DENIED: &[(u64, u64, Side, &[u8])] = &[
    (
        10,
        0,
        Side::Client,
        b"RDG_OUT_DATA /remoteDesktopGateway/ HTTP/1.1\r\n\
        Cache-Control: no-cache\r\n\
        Pragma: no-cache\r\n\
        Accept: */*\r\n\
        User-Agent: MS-RDGateway/1.0\r\n\
        Host: 10.0.2.2\r\n\
        Connection: Keep-Alive\r\n\
        RDG-Connection-Id: {bf4bf219-b3a9-4a47-49f1-b3f78fda9075}\r\n\
        Content-Length: 0\r\n\
        Authorization: NTLM TlRMTVNTUAABAAAAt4II4gAAAAAAAAAAAAAAAAAAAAAGAbEdAAAADw==\r\n\
        \r\n",
    ),
    (
        13,
        0,
        Side::Server,
        b"HTTP/1.1 401 Unauthorized\r\n\
        Server: Microsoft-IIS/10.0\r\n\
        Content-Type: text/html\r\n\
        WWW-Authenticate: NTLM TlRMTVNTUAACAAAABgAGADgAAAAVgonii49Uu5QZhwsAAAAAAAAAAFgAWAA+AAAACgBhSgAAAA9MAEEAQgACAAYATABBAEIAAQAIAFIARABHAFcABAAQAGwAYQBiAC4AdABlAHMAdAADABoAcgBkAGcAdwAuAGwAYQBiAC4AdABlAHMAdAAHAAgAsHvBdkR53QEAAAAA\r\n\
        Content-Length: 147\r\n\
        \r\n\
        <html><head><title>401 - Unauthorized</title></head><body><h1>401 - Unauthorized: Access is denied due to invalid credentials.</h1></body></html>\r\n",
    ),
    (
        15,
        0,
        Side::Client,
        b"RDG_OUT_DATA /remoteDesktopGateway/ HTTP/1.1\r\n\
        Cache-Control: no-cache\r\n\
        Pragma: no-cache\r\n\
        Accept: */*\r\n\
        User-Agent: MS-RDGateway/1.0\r\n\
        Host: 10.0.2.2\r\n\
        Connection: Keep-Alive\r\n\
        RDG-Connection-Id: {bf4bf219-b3a9-4a47-49f1-b3f78fda9075}\r\n\
        Content-Length: 0\r\n\
        Authorization: NTLM TlRMTVNTUAADAAAAGAAYAHAAAADKAMoAiAAAAAYABgBYAAAADgAOAF4AAAAEAAQAbAAAABAAEABSAQAANbKI4gYBsR0AAAAPmyphdnYvZ6kNKhABD9ex+kwAQQBCAGwAYQBiAHUAcwBlAHIAdgBtAFFjbVJ3ZEhKcFlXZGxJR3hoWWlCRFFUQf8h6xvGySuXp+NvCDUGc5QBAQAAAAAAALB7wXZEed0B2UUpp26qafQAAAAAAgAGAEwAQQBCAAEACABSAEQARwBXAAQAEABsAGEAYgAuAHQAZQBzAHQAAwAaAHIAZABnAHcALgBsAGEAYgAuAHQAZQBzAHQABwAIALB7wXZEed0BBgAEAAIAAAAKABAAjz0Qu77IalXySW+TO4D0XwkAGgBIAFQAVABQAC8AMQAwAC4AMAAuADIALgAyAAAAAAAAAAAAAAAAAAAAAACcMI8N2eM80eBNX0zdRYCy\r\n\
        \r\n",
    ),
    (
        16,
        0,
        Side::Server,
        b"HTTP/1.1 401 Unauthorized\r\n\
        Server: Microsoft-IIS/10.0\r\n\
        Content-Type: text/html\r\n\
        WWW-Authenticate: Negotiate\r\n\
        WWW-Authenticate: NTLM\r\n\
        Content-Length: 147\r\n\
        \r\n\
        <html><head><title>401 - Unauthorized</title></head><body><h1>401 - Unauthorized: Access is denied due to invalid credentials.</h1></body></html>\r\n",
    ),
];

/// Plaintext records of samples/rdg-healthy-standin.pcap (decrypted with its key log, as
/// `tshark -x` shows them): frame, TCP stream, sender, bytes.
pub const HEALTHY: &[(u64, u64, Side, &[u8])] = &[
    (
        10,
        0,
        Side::Client,
        b"RDG_OUT_DATA /remoteDesktopGateway/ HTTP/1.1\r\n\
        Cache-Control: no-cache\r\n\
        Pragma: no-cache\r\n\
        Accept: */*\r\n\
        User-Agent: MS-RDGateway/1.0\r\n\
        Host: 10.0.2.2\r\n\
        Connection: Keep-Alive\r\n\
        RDG-Connection-Id: {601cec51-e362-2d5b-1583-5751f2990b3f}\r\n\
        Content-Length: 0\r\n\
        Authorization: NTLM TlRMTVNTUAABAAAAt4II4gAAAAAAAAAAAAAAAAAAAAAGAbEdAAAADw==\r\n\
        \r\n",
    ),
    (
        13,
        0,
        Side::Server,
        b"HTTP/1.1 401 Unauthorized\r\n\
        Server: Microsoft-IIS/10.0\r\n\
        Content-Type: text/html\r\n\
        WWW-Authenticate: NTLM TlRMTVNTUAACAAAABgAGADgAAAAVgoniLdSUEmRUOTkAAAAAAAAAAFgAWAA+AAAACgBhSgAAAA9MAEEAQgACAAYATABBAEIAAQAIAFIARABHAFcABAAQAGwAYQBiAC4AdABlAHMAdAADABoAcgBkAGcAdwAuAGwAYQBiAC4AdABlAHMAdAAHAAgAENbWfkN53QEAAAAA\r\n\
        Content-Length: 147\r\n\
        \r\n\
        <html><head><title>401 - Unauthorized</title></head><body><h1>401 - Unauthorized: Access is denied due to invalid credentials.</h1></body></html>\r\n",
    ),
    (
        15,
        0,
        Side::Client,
        b"RDG_OUT_DATA /remoteDesktopGateway/ HTTP/1.1\r\n\
        Cache-Control: no-cache\r\n\
        Pragma: no-cache\r\n\
        Accept: */*\r\n\
        User-Agent: MS-RDGateway/1.0\r\n\
        Host: 10.0.2.2\r\n\
        Connection: Keep-Alive\r\n\
        RDG-Connection-Id: {601cec51-e362-2d5b-1583-5751f2990b3f}\r\n\
        Content-Length: 0\r\n\
        Authorization: NTLM TlRMTVNTUAADAAAAGAAYAHAAAADKAMoAiAAAAAYABgBYAAAADgAOAF4AAAAEAAQAbAAAABAAEABSAQAANbKI4gYBsR0AAAAPI68SaXvRHDgViA5MPI3q6kwAQQBCAGwAYQBiAHUAcwBlAHIAdgBtAFFjbVJ3ZEhKcFlXZGxJR3hoWWlCRFFUQWEDkan8qSnGjDQdW4W7ItMBAQAAAAAAABDW1n5Ded0ByjwcKCvFbCoAAAAAAgAGAEwAQQBCAAEACABSAEQARwBXAAQAEABsAGEAYgAuAHQAZQBzAHQAAwAaAHIAZABnAHcALgBsAGEAYgAuAHQAZQBzAHQABwAIABDW1n5Ded0BBgAEAAIAAAAKABAAJwm0o+XBKk2v8o14LBx68AkAGgBIAFQAVABQAC8AMQAwAC4AMAAuADIALgAyAAAAAAAAAAAAAAAAAAAAAADJvaAO9ePdALuFRZRR/bze\r\n\
        \r\n",
    ),
    (
        16,
        0,
        Side::Server,
        b"HTTP/1.1 200 OK\r\n\
        Server: Microsoft-IIS/10.0\r\n\
        Cache-Control: no-cache\r\n\
        \r\n\
        \xab\xcd\xab\xcd\xab\xcd\xab\xcd\xab\xcd",
    ),
    (
        26,
        1,
        Side::Client,
        b"RDG_IN_DATA /remoteDesktopGateway/ HTTP/1.1\r\n\
        Cache-Control: no-cache\r\n\
        Pragma: no-cache\r\n\
        Accept: */*\r\n\
        User-Agent: MS-RDGateway/1.0\r\n\
        Host: 10.0.2.2\r\n\
        Connection: Keep-Alive\r\n\
        RDG-Connection-Id: {601cec51-e362-2d5b-1583-5751f2990b3f}\r\n\
        Content-Length: 0\r\n\
        Authorization: NTLM TlRMTVNTUAABAAAAt4II4gAAAAAAAAAAAAAAAAAAAAAGAbEdAAAADw==\r\n\
        \r\n",
    ),
    (
        30,
        1,
        Side::Server,
        b"HTTP/1.1 401 Unauthorized\r\n\
        Server: Microsoft-IIS/10.0\r\n\
        Content-Type: text/html\r\n\
        WWW-Authenticate: NTLM TlRMTVNTUAACAAAABgAGADgAAAAVgoniRdpYQdZsHt8AAAAAAAAAAFgAWAA+AAAACgBhSgAAAA9MAEEAQgACAAYATABBAEIAAQAIAFIARABHAFcABAAQAGwAYQBiAC4AdABlAHMAdAADABoAcgBkAGcAdwAuAGwAYQBiAC4AdABlAHMAdAAHAAgAoN7dfkN53QEAAAAA\r\n\
        Content-Length: 147\r\n\
        \r\n\
        <html><head><title>401 - Unauthorized</title></head><body><h1>401 - Unauthorized: Access is denied due to invalid credentials.</h1></body></html>\r\n",
    ),
    (
        32,
        1,
        Side::Client,
        b"RDG_IN_DATA /remoteDesktopGateway/ HTTP/1.1\r\n\
        Cache-Control: no-cache\r\n\
        Pragma: no-cache\r\n\
        Accept: */*\r\n\
        User-Agent: MS-RDGateway/1.0\r\n\
        Host: 10.0.2.2\r\n\
        Connection: Keep-Alive\r\n\
        RDG-Connection-Id: {601cec51-e362-2d5b-1583-5751f2990b3f}\r\n\
        Content-Length: 0\r\n\
        Authorization: NTLM TlRMTVNTUAADAAAAGAAYAHAAAADKAMoAiAAAAAYABgBYAAAADgAOAF4AAAAEAAQAbAAAABAAEABSAQAANbKI4gYBsR0AAAAPyl23wFaNq3G47yIsrAPeR0wAQQBCAGwAYQBiAHUAcwBlAHIAdgBtAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAJutve0C4V5izZtiAXdA0dQBAQAAAAAAAKDe3X5Ded0B0PADb5zWBH0AAAAAAgAGAEwAQQBCAAEACABSAEQARwBXAAQAEABsAGEAYgAuAHQAZQBzAHQAAwAaAHIAZABnAHcALgBsAGEAYgAuAHQAZQBzAHQABwAIAKDe3X5Ded0BBgAEAAIAAAAKABAAJwm0o+XBKk2v8o14LBx68AkAGgBIAFQAVABQAC8AMQAwAC4AMAAuADIALgAyAAAAAAAAAAAAAAAAAAAAAADIgTpcM76iCOQsmFfR+3Dq\r\n\
        \r\n",
    ),
    (
        33,
        1,
        Side::Server,
        b"HTTP/1.1 200 OK\r\n\
        Server: Microsoft-IIS/10.0\r\n\
        Content-Length: 0\r\n\
        \r\n",
    ),
    (
        34,
        1,
        Side::Client,
        b"RDG_IN_DATA /remoteDesktopGateway/ HTTP/1.1\r\n\
        Cache-Control: no-cache\r\n\
        Pragma: no-cache\r\n\
        Accept: */*\r\n\
        User-Agent: MS-RDGateway/1.0\r\n\
        Host: 10.0.2.2\r\n\
        Connection: Keep-Alive\r\n\
        RDG-Connection-Id: {601cec51-e362-2d5b-1583-5751f2990b3f}\r\n\
        Transfer-Encoding: chunked\r\n\
        \r\n",
    ),
    (
        35,
        1,
        Side::Client,
        b"E\r\n\
        \x01\x00\x00\x00\x0e\x00\x00\x00\x01\x00\x00\x00\x00\x00\r\n",
    ),
    (
        37,
        0,
        Side::Server,
        b"\x02\x00\x00\x00\x12\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00",
    ),
    (
        39,
        1,
        Side::Client,
        b"10\r\n\
        \x04\x00\x00\x00\x10\x00\x00\x00\r\x00\x00\x00\x00\x00\x00\x00\r\n",
    ),
    (
        40,
        0,
        Side::Server,
        b"\x05\x00\x00\x00\x12\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00",
    ),
    (
        42,
        1,
        Side::Client,
        b"12\r\n\
        \x06\x00\x00\x00\x12\x00\x00\x00\x00\x00\x06\x00v\x00m\x00\x00\x00\r\n",
    ),
    (
        44,
        0,
        Side::Server,
        b"\x07\x00\x00\x00\x10\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00",
    ),
    (
        46,
        1,
        Side::Client,
        b"22\r\n\
        \x08\x00\x00\x00\"\x00\x00\x00\x01\x00=\r\x03\x00\x12\x001\x000\x00.\x000\x00.\x002\x00.\x002\x00\x00\x00\r\n",
    ),
    (
        47,
        0,
        Side::Server,
        b"\t\x00\x00\x00\x14\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x01\x00\x00\x00",
    ),
    (
        49,
        1,
        Side::Client,
        b"38\r\n\
        \n\
        \x00\x00\x008\x00\x00\x00.\x00\x03\x00\x00.)\xe0\x00\x00\x00\x00\x00Cookie: mstshash=\\labuser\r\n\
        \x01\x00\x08\x00\x01\x00\x00\x00\r\n",
    ),
    (
        51,
        0,
        Side::Server,
        b"\n\
        \x00\x00\x00\x1d\x00\x00\x00\x13\x00\x03\x00\x00\x13\x0e\xd0\x00\x00\x124\x00\x02\x01\x08\x00\x01\x00\x00\x00",
    ),
    (
        53,
        1,
        Side::Client,
        b"144\r\n\
        \n\
        \x00\x00\x00D\x01\x00\x00:\x01\x16\x03\x01\x015\x01\x00\x011\x03\x03,R\xa99_\x1d\x02 \x89\xd9\x0e\xa9\x14\xf44\xae\xea \xa7:C\xac=\xc9\xd3\xb5\xf6\x1d\x8c=\xe9\xad +\xbc]\xa0\xea\x90\xc24\x9c\x03\xae\xde\xc5\xa1\xb4\xb6\x1d\n\
        @H{9\xf8\xe9\x16\rY\xf8\xd8\x1b\xc5\xfd\x00>\x13\x02\x13\x03\x13\x01\xc0,\xc00\x00\x9f\xcc\xa9\xcc\xa8\xcc\xaa\xc0+\xc0/\x00\x9e\xc0$\xc0(\x00k\xc0#\xc0'\x00g\xc0\n\
        \xc0\x14\x009\xc0\t\xc0\x13\x003\x00\x9d\x00\x9c\x00=\x00<\x005\x00/\x00\xff\x01\x00\x00\xaa\x00\x00\x00\r\x00\x0b\x00\x00\x0810.0.2.2\x00\x0b\x00\x04\x03\x00\x01\x02\x00\n\
        \x00\x16\x00\x14\x00\x1d\x00\x17\x00\x1e\x00\x19\x00\x18\x01\x00\x01\x01\x01\x02\x01\x03\x01\x04\x00#\x00\x00\x00\x16\x00\x00\x00\x17\x00\x00\x00\r\x00*\x00(\x04\x03\x05\x03\x06\x03\x08\x07\x08\x08\x08\t\x08\n\
        \x08\x0b\x08\x04\x08\x05\x08\x06\x04\x01\x05\x01\x06\x01\x03\x03\x03\x01\x03\x02\x04\x02\x05\x02\x06\x02\x00+\x00\t\x08\x03\x04\x03\x03\x03\x02\x03\x01\x00-\x00\x02\x01\x01\x003\x00&\x00$\x00\x1d\x00 \xd9\x18\x02\xb8\x01U\xc4Q\x1da\x81\\dyQ*\xaa\r\x82\x11\xad-l31!\x9e\xbe\xd5\x17y^\r\n",
    ),
    (
        54,
        0,
        Side::Server,
        b"\n\
        \x00\x00\x00^\x05\x00\x00T\x05\x16\x03\x03\x00z\x02\x00\x00v\x03\x03p\xce\xb2\x12'\x16\xa65%\xb5\xa6\xa0E$gd\x13\xe5n /\xbfl\xb8\xc75]@\xc7H\xd3\x05 +\xbc]\xa0\xea\x90\xc24\x9c\x03\xae\xde\xc5\xa1\xb4\xb6\x1d\n\
        @H{9\xf8\xe9\x16\rY\xf8\xd8\x1b\xc5\xfd\x13\x02\x00\x00.\x00+\x00\x02\x03\x04\x003\x00$\x00\x1d\x00 3r\xf2\x16\xccQL\xccu\xf4\n\
        \xb1]\xf4Vh\xefk\xbf\x84\xb1\xa5Q#\x80\x8b!\xa6\xa5\xc3\x1fZ\x14\x03\x03\x00\x01\x01\x17\x03\x03\x00\x17\xb8$\x15N\x13o\xd4\xbci\xde\x12H\xc6Xn:k\x06[Y\x02'\xa6\x17\x03\x03\x03F\x03\x93=\x97\xfc\x1a\xeb?\x93\x05\xcf\xcf\x962:\n\
        \xc9\xbbe\xed\xfa\x9b\xa4w\xb9u{\xf2K\xe9\xa9\x8b\xb5\x97e\xb5\xea\xc9[U\x9d\xc7^m)\x18\xf6\xbez\xf0\x1e\x12>xuS\x94\xe2\xefkf\xbdc\x95\xcfZH\x80\xf7\xec\xa0%\xf2;\xacnh(\x1e\x8f\xe7\x84\x13\xda\xee\xb0\xe1!#x+1J\x10,U\xdb<\n\
        \x96\xb4O\xe4\xc1\xc7@\x05\xb0\xfbD\xcf\x8e\xf7\xf1\x02\xca\xcdsj\x93\x1c\xee\xfa\x1cL\x89q\xbd\x90\xa9{\xbf\xd4\x85=-\x9b\xe7\xa4\xf7\xa1\xb8\x96\xf8\x12^\xef\\%8\xde\x8a\xbd\x92\x8f\xf6.\xd9\xc0\xcb\xb9\r0\x9f\xcc)/\xc4\x7f\x87\r\xc3\x95\xd8l\xe5g\x1dl\x06\x9cz*\xa8<uk\x00\xaa\xef\xb7(1\xc5.,\x93\xf5\xa77\xb4\x97\x91\xf0\xfd\\Zm\xa1\xe9\x11yb\xd7|5|\xfc\x83\xd7\x9b\xc2\x85\xab9\xa0\x98#S\xe1ND\"\n\
        \xa7T-\\!\xf3\xd5X\x01M\xb4*\xed\xb9\xdfu9\xad\x92g\xecD~\xc5e>\r\xa5\xd8xn\xe4v\xe5\xc5\x82\x96F\xb0c\x85\xda\x9f@\x08,\xa3\xf5\x88\x139\xaa\x16\x0e[\xb3$\xeev\x1aN\xcb\xb2\xcf\x9a\xd3o\xbfm\xf0\xdd\x85\x98v\x85d\xc4&\x94\x9a\xe5\x8eC8\x06\xa6\x06\xd20\n\
        \xf8\xf0%\xef\x85\xea\xfce*\xd6\x960\xaa\xc1\xbfx\x14l\xed>\xf8\x8eyW=a5(\xbc\xe2\x18\x03\xf6RR\xdd\x02F\xb3Bnf\x91\"ya\xf2t\xeb\x83\xdd/\xfe\xdb4'\x8d\xf8Y\xbe\x98\xc5~\xa3U\x87DT\xfb\x9fp?\x90y\xd7?7\xc01\xc9\x1d\x06)6\x050\x9e$\xde\x8e\xa1h\x1d\xd3\xf3`\xfa\x94\x19J\xdf\xe6\x99\xee/`\x14S\x03\xe3>+R\xa7Ci\xcb\xe9\xefIss\xf0\xe1\x14zT\xf58\xe4R\xc9\xca2\xd1\xf8\xdb\xa1t\xa3\xea\xeaE\xa1\x8f<,\xfb\xbfE\x8f\xca\x90\x9b\x80\xdb)\\\xf4\x9d\xc8\x89\xcc\xf9\xc5\x03\x00\x8f\x1c^\n\
        \xb0\xfbDy\x99\xf74\xae\x8f/0\xaf\x15\xff\x8d\xf3\x14\xcd\x87\xb8\xa0\xd4T\x8714\xd4\x80+QK%\xb5!=\xd9\xed_\xca@\xed\x98\x82\xfc\x86\x98\xb7\x1a<\x97\x1d\xe9\x0c\x89\x13\x9d|i\xf4D\xe5\xdc\x9b\xb7\xa4\x9f\xccS\x85\xa5\xaa\x96\xbd\xe8\x1aw\xcc\x98\xde\x8d\xee\xda\xa1\xd2a>u\xe4\xc0e\xbb\xc0\t\xfb\xb7\xc5\xe4\x8e\xecg\xd5\xed\x10\xdb\x01\xbc\x83\xf7\xba\x9ef\x8bN\xa2\xbd1\xf9X\x17\xae\xe6\xa6r\x97$\x11\x93\xe9\x9e\xc1\x81\xac\x87\xcd|A\x08$\xa7\xe1\x8f\x1d\xbfY\x1a\xc4\xf2\\o\x1ci\xc3\x92A\xe1\xb2_~\xf5c\x03j\xa7?\xa9V*G\xd3<8\xc76\xf3\xc3U{\xff\xbc\xc6\x889x#^\"\xf1\x96\x18\xa6\x1a\x94\xeb\xd6\x1b\x8d\x13\r,\xce\x12\x80\tx\xca>\xb7x\x0e\xd8'}\xb0\x82\x1c/e\x00F\xf6\xdd\xbe\xbc\xd0;3\xd7-X\xb0\xa87\xe5\xe2\x06\xa9\xcb@k/\x8b\xd4\x8c\xeab\x0fnc\x00\x0f\x15oN\xb2\n\
        \xee\x10\x7f\x86N;\xbc\xcf \xf2\xd8\xf0/x\xd3\x07\x12\x06^\x84\x1d{\xd9p\xcaE4\xe7\x80\x9d`\xb0Z\xbe\xdb\xb1\xff#l\x99\xde\xfd\xb1\xacU\xd1\xdc\xd5\xb1\x80\xbd=\xed\xe3A\x9bL\xd2\x15\xab\x13\xe6\x95F\x8c\xccq2\xb0C8Q\xe0\xb6\x12\xa9\x90ay\xfa\xb1\t\xde\x98\xa0!\xca\xb8\x17\x03\x03\x01\x19x/>\xaa\xc9E\xc1\xdb\xbbUgd\x87B5\xb5\xdc\x8f\xc5\xbc\x00\xaf\xdeF\x98\x90T\xfe\xaaZe_\x8d\xe3\xab#\x99\xe5\xba\xae\xf6\xab\xd3\x1b\xb4v\xed\xcaq\xa5\x85\x059zeG<\xd8oy\x12\xd6\xd1\xca\xba\x9f\xa8\xbe\x99K\xa6\x1f\x9d|\x89z4\xa0`\"I\xdb!\x05[\x13s\x9e\xe9\xe0Bs\xdem\xc7\xees\x96\xe5)\xd0\x16\xb3C\xe5\xbc\xfcR\x80\x14\x93b\x19K\x03\x7f\x9d6}w\x87\"Z\xd67\xfb\x87.\x06!Dld\xe9#\xea\xf4?\x14\x904jdk\x94\xcf\xbfoT{\xcb\x0byqR:\xf5\xce5=0R\xda\xa0\xf8^9iJfN-K\xfe.\xceb[\xc3\xa5\x04#;\x7fq\xa4\xd6\xd2\x934c#\xd9!\x9a>9Do\x85\xe0\xf5\x9d\xcf\xf0\xc2g\xfbo\xf1\xd1\x18\x16\xaf\xdf\xc6_\xf0\xc4\xed\xd8!!\xdf\x87\x89\x9f'\x05\xba\r\x08\xe5 \x1c#\x0f\x92\r\x02l\xce\x07]j+q\x8c\xec\x1b\xd2I\x9d\xfc\x97U\xb6\xa7\x06\r\xd3\x94\x00exD\xd2\xfd\x08\xbd\xc6\x95\x91\xd1\xc9\xac#\xce\x90\x11\xd8\x17\x03\x03\x00E\x7f),\xf7i\xda\x1e\x11\x1b\xdf\xb0\x14\xdcAn\x17\xb1\xac\xe23bG\x1c;'\x0e\x15\xdb[\xff*\xd4\xa0\x9e\xf8\xdb\x96\x05p\x94\x99\x12rM\xd6\xd5\x90\xf6N\x13`\x15\xa6\xf6\x04#_\xc7b\xd0/)\xc6B)\xa2\xe1\x80\xf1",
    ),
    (
        56,
        1,
        Side::Client,
        b"5a\r\n\
        \n\
        \x00\x00\x00Z\x00\x00\x00P\x00\x14\x03\x03\x00\x01\x01\x17\x03\x03\x00E\x98D\xd2\x15\x08\xbbt\xba\x16/\xd2\xc2\x96\x8bU\xd2\xe7\xa7\x05\x8a \xc7l\xb0\x8f\x03\xc0\xd9\xd6\xd5e\x0f\xb1\n\
        \xfb3\xb2D\x12\x1eLX,\x13\x8f\xaf\xe5\x96\xfd\x04\x06\x8d#\x0e\x95n\x9bH\xfa\xc8\xc5<\x977\xbe\xdew\x7f\xe3\r\n",
    ),
    (
        57,
        1,
        Side::Client,
        b"1e7\r\n\
        \n\
        \x00\x00\x00\xe7\x01\x00\x00\xdd\x01\x17\x03\x03\x01\xd8|6@\xb2\xbe\x81\xf0\x86\xe0\x16\xef\xa9o\xb7\xf6\xd20\x91\xceN\xbe\x94)w-\xde\x93\xd6c\xf0\x17\x93\xaf\x02s\x1e\x10\"\x1a\xd1\xb6<3\x82c\x06\xd6\x07\xb9\x98\xe5\xa9\x9826\xee\xe1\x82\x08i\x98\xcfB\x02\\\x97j[~\x16\xf5K\xc8\xf8w\n\
        B\xc4b\xb2\x01\t\xa9Y\xca\xc6kE\xb9\xf1!\xff\xaf\xd3\xa0\xc9\xc40Q\x18\xffE\x8e\x86\xecA,\xa5\xa4~DB\x94z\xf5\xb2\xb9\xf8\xae\xe7\xcd\x8fJ\x84\x97\xee\\1\xb4K\xc5nm\x93<\xd1\x93(\xf7\x8b\xf7(\xd2\xb6,\xd7\xb0}t(\xe7\xee|\xfd\x185)\x8b\x0bv\xfa\x1e\x9f\xc8\xd4\x12\xbd\xb2\x89\xfb\n\
        H\x94\x04\xac<\xb6\x0f3/\xb9\x96\xe8\xeeb><P`\xcdY\xd4\x80\x89\xea*\xcc\xb8)2\xbb\x00\x96M\x8b\xce\r\xbd\xbd{\x8fW\xc4\xc6\x1f9h\x89X\xfc\x9c\x8fW\x06[\xc30\xfb\xf7\x08\x07\x93%\xe7\xca\x11e-\xb0\xa28\x9d\xadn\x02,&\x8a\xc4\xa7\x9b\x13 \x92d\xdb\xe2|n\xe7$\xac\xb3\xd2J0\xc2\xf25\xe4\xd9,\x9b\xd6\xa4>\x11\xad[\xf8<x{\xee>\xa9\x0c'\x16o5G$U\xb2T$\xbc\xb5\xde\xc3g\xf9\xf5sa\x12\xc1%&\x88\xf3\x16\xb2\x12-\x1e\xb7\xb2[\xba\xa1~p\x07\x85\x82S\xa19\xc9`\xc4\x1f\xdab\x93=S\x82n\x9c`K4Tm^E/'\x19\xde+@\x1a\xee\xc4\xcd\xc3\xee\x05\xf5\xb99\x19m]\x86\x8e\xb7\x1f\xa2\xf9[\x02\xe4=f\x13\x81.\x99'#\xf1\x1d\xce\xe0\x1a\xb9=\xa2\rf\xc7\xf0\x01\\\xe2Q\x03T\x10(\x07\xfcO\xa9\x86~\xbf\xdc\xd9\xc5\xda\xa8`\xdcJI\xad\x1e\xbc\xf4\xa8iy\x17[\x9a\xd5\xed\xcc=G\xfci\x8c\xa5\x1a\xfa\x81\xaa\xf7n\xa3\xfa\xff\xf5l\xae\x1c\xb9\xc6AF\xd8\x84\xbc\xc7\xb7\x88\x13C+\x1a\x87\x87\xd1\xe1\xf3\r\n",
    ),
    (
        59,
        0,
        Side::Server,
        b"\n\
        \x00\x00\x00\t\x01\x00\x00\xff\x00\x17\x03\x03\x00\xfa[*\xc3\xf9\xf0\x11\xb3\xa1r\xd0\xcb\x9e\x06D\x92=\xdf\x047s{)\xd8$0B\xa7}\xc0\xea\x9c\x14\xb4\xaf\xc7/0\x10\xd3Z\xb2\xf8\xc1\x8c\xb4H\xd0\xf7\x8dTq\xfeS\x8d\xbc\x08\x13J\x12<EZ\xb0Xf\xa3~\xd8b\xaau\xf5\xec\x01\xf1\xd3\x14\x0f\x8f{\x1d\xf8\xc8\x95\x83d\x18w\xa3\xd1\x93\"\xde\xf7\x80\xe0\xa3\xb0u \x8a\x84\xff\xf33\xfd\x02\x0e\xfbr\xe5\x81\x8b\x07\xe4\x05t\x93[\xa99\x87[8\xcf;Y\xa1\x92j\xb5\xc5\x04\xe5L>g1\xf0\xb0\xe1\xc5\xb0\xe8w\x8b=\x87\x88\xef+\xbc_\xd8k\xac\xc2M\x17\x1arf\xb5\x07\xf8b\x18\xbb\xeb\xb9\n\
        \xa6\xaa\xc4\xb4?+\xb5\xbb\xae=\xca\x9dF\xd3\xa8\xf9?Jv{\xe3\x197;8\x87J\x9b\xc8\xd7\xce6;\xcc{\xe1\xfb\xd9\x1fr\x1d\x19\xeab\xda\x16mo\xb0\xf2\x1fZ$p\xe1\xa4\xe1\xce\xc0\xc8\xf0\x92J\x87\x82\xb0\xe9h\xc2\xfb\xc3\x91\xec\xe6\x9a\x1a\xf5gT",
    ),
    (
        61,
        0,
        Side::Server,
        b"\n\
        \x00\x00\x00\t\x01\x00\x00\xff\x00\x17\x03\x03\x00\xfa\x81\xbdp\xf3\xe7\x08\xac\xb2k\xb4r\xed\x92B\x94Q.\xc7\xd9\n\
        D \xd6\x0cq\x13\xcf\xd7\xac\x17<[,\xa6\x8eG\x03\xa1d=&\x01\x03\xee\xde\x10\xa1k\xc3\xa3\xdc}|\xca\xdc\xe2]\xe6e\x96\xb98\x87\xa0{\xf1F[\xe5\xa9\x05\x95\x9d\xa6#\xef\x8b\xb3A\x08\xb52[\xc8\xe8\x9d\xeaC\xbbuS}\xeae\xbf\xbe\x06\xfb\xd9\x9bwB\x9b/\x04`\x8b\x11\x99\xdf'\xebBd\x7f4\r\x94\xbfF\x7f\xb2\xb5\x04&\x1a\xbe\xd49Q5\xf29\xeaF++-7\x9b\x91\xcd\x12\x15K\xed\r\xf7\xe2>\xff\xa3i\t5\xa3\xda\x8e\xf0\xe5\xc6\xef\x9d\x14\xd9\xfeL\xe432\xc4\x9c\x1e'\xdc8\x02\xefO5E\xc6\x8b\xd8(\x14!\xbcp\xcf\xff\x05d\xe3(\x8c\x92?\x83\xbcB-\x06TL\xa3\xe7\xbfanC\x1b\x9b\xd7@\xb3k\x98\x91\xc35\xe6\x95\x1d\xcf>\xda\xc5o)l\x15\xb2[\xab\xa2h\xfa\x1a\t\xd6\xd4\xdaX\xeb\x93?\xa8\t\xda",
    ),
    (
        63,
        0,
        Side::Server,
        b"\n\
        \x00\x00\x00\x8d\x00\x00\x00\x83\x00\x17\x03\x03\x00~\x10\xa26\x13\xfa\xec\xde\xe7\x01Y\x12 \xcfJ\x9f[\xcerYk\x8b~\xa1\x7fV\xe9R-E\x19\xd8\xec*\xc5\x8b\xfd\xa0uk\xd1\x88}\xb5\x1fQ\xe1\x8fd\x80\xf8A`\xfa}\xaa?\x92\xf7\xb1\xe5\xc4u\xd2=9\xc6O\xaf\x88\x88\x02\x86\xee\xe1\xcf\xdeYE\x1aa$J\x18<\x95\xd6\x85\x87n\xa0G\xae_\x93Ue\xe8\xa7W\x10\x9c\t\x8a3\xecd\xcd\xb8\xb3\x13,\xcb\x8d=\xce\xe9{\xed&Ng\xb9\xfa\x93\t@",
    ),
    (
        65,
        1,
        Side::Client,
        b"2c\r\n\
        \n\
        \x00\x00\x00,\x00\x00\x00\"\x00\x17\x03\x03\x00\x1d\xc0\xaf \xf3\xc4\x7f\xe3\x8e\x12\x1e\x94\xbe )\xb6\xdf\xcbKY\x12\x87D\xb6ld\xf0\x80\xe2{\r\n",
    ),
    (
        66,
        1,
        Side::Client,
        b"28\r\n\
        \n\
        \x00\x00\x00(\x00\x00\x00\x1e\x00\x17\x03\x03\x00\x19\x1f\x8eZ\xbd\x93\x0b\xc9]BAr\xcf\x81\xee#t`\xb9\x83j\xf8p$B\t\r\n",
    ),
    (
        68,
        0,
        Side::Server,
        b"\n\
        \x00\x00\x00+\x00\x00\x00!\x00\x17\x03\x03\x00\x1c\xd8S\x8fb\xfe\x80\xee\x10S\xec\xff\xf9\x88\x14,\xf2\xff\xb6\xdb\x98u\xbb\xca\xc6\xaeS>\xf3",
    ),
    (
        70,
        1,
        Side::Client,
        b"2c\r\n\
        \n\
        \x00\x00\x00,\x00\x00\x00\"\x00\x17\x03\x03\x00\x1d\xe5\xf8\xbek\xf7\xed\xb1QB\xfcb\xddn\xc8\xc7\x08\xd4\n\
        =\x89GF\xad\xdb\xbc\xac\xee\xfbw\r\n",
    ),
];
