//! Where capture bytes come from: a file or standard input, gzip-compressed or not.
//! Compression is detected from the content (gzip magic 1f 8b), not from the name.

use flate2::read::MultiGzDecoder;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;

/// Size of the buffer between the OS and the decompressor / container parser.
const IO_BUFFER: usize = 64 << 10;

/// An opened capture source.
pub struct InputSource {
    pub reader: Box<dyn Read + Send>,
    /// True when the bytes were gzip-compressed.
    pub gzip: bool,
}

/// Opens `path` (`-` means standard input) and unwraps gzip if the content is gzip.
pub fn open_source(path: &Path) -> io::Result<InputSource> {
    let raw: Box<dyn Read + Send> = if path.as_os_str() == "-" {
        Box::new(io::stdin())
    } else {
        Box::new(File::open(path)?)
    };
    wrap(raw)
}

/// Wraps any byte source, unwrapping gzip when its first bytes say so.
pub fn wrap(raw: Box<dyn Read + Send>) -> io::Result<InputSource> {
    let mut buffered = BufReader::with_capacity(IO_BUFFER, raw);
    let head = buffered.fill_buf()?;
    let gzip = head.len() >= 2 && head[0] == 0x1f && head[1] == 0x8b;
    let reader: Box<dyn Read + Send> = if gzip {
        Box::new(MultiGzDecoder::new(buffered))
    } else {
        Box::new(buffered)
    };
    Ok(InputSource { reader, gzip })
}
