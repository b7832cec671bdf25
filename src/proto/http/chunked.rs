//! RFC 9112 7.1 chunked transfer coding, decoded incrementally from input split anywhere:
//! `chunk-size [chunk-ext] CRLF chunk-data CRLF`, ending with a zero-size chunk and the
//! trailer section.

/// Longest chunk-size line (size, extensions) buffered.
const MAX_LINE: usize = 1024;
/// Largest trailer section buffered.
const MAX_TRAILER: usize = 16 * 1024;
/// Largest chunk accepted (2^40 bytes; a size with more hex digits is not a real chunk).
const MAX_CHUNK: u64 = 1 << 40;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Size,
    Data,
    /// The CRLF after chunk data.
    DataEnd,
    Trailer,
    Done,
}

/// One step of decoding.
#[derive(Debug, PartialEq, Eq)]
pub enum Step {
    /// `consumed` input bytes were framing.
    Framing { consumed: usize },
    /// The first `len` input bytes are chunk data.
    Data { len: usize },
    /// The last chunk and the trailer ended; `consumed` bytes were used.
    End { consumed: usize },
}

#[derive(Debug)]
pub struct Dechunker {
    state: State,
    line: Vec<u8>,
    trailer: usize,
    remaining: u64,
    /// Chunks seen (the last, zero-size one included).
    pub chunks: u64,
}

impl Default for Dechunker {
    fn default() -> Self {
        Dechunker {
            state: State::Size,
            line: Vec::new(),
            trailer: 0,
            remaining: 0,
            chunks: 0,
        }
    }
}

/// RFC 9112 7.1: chunk-size = 1*HEXDIG, then BWS and `;` chunk-ext (ignored).
fn chunk_size(line: &[u8]) -> Result<u64, String> {
    let digits: Vec<u8> = line
        .iter()
        .take_while(|b| b.is_ascii_hexdigit())
        .copied()
        .collect();
    let rest = line
        .get(digits.len()..)
        .unwrap_or_default()
        .trim_ascii_start();
    if digits.is_empty() || !(rest.is_empty() || rest.first() == Some(&b';')) {
        return Err(format!("bad chunk-size line {:?}", super::head::text(line)));
    }
    let significant = digits.iter().skip_while(|&&d| d == b'0').count();
    if significant > 11 {
        return Err("chunk size above 2^40".into());
    }
    let n = digits.iter().fold(0u64, |acc, &d| {
        acc * 16 + u64::from(char::from(d).to_digit(16).unwrap_or(0))
    });
    if n > MAX_CHUNK {
        return Err(format!("chunk size {n} above 2^40"));
    }
    Ok(n)
}

impl Dechunker {
    pub fn is_done(&self) -> bool {
        self.state == State::Done
    }

    /// Reads from `input` (non-empty) until one step is complete or the input ends.
    pub fn step(&mut self, input: &[u8]) -> Result<Step, String> {
        match self.state {
            State::Data => {
                let len = usize::try_from(self.remaining)
                    .unwrap_or(usize::MAX)
                    .min(input.len());
                self.remaining -= len as u64;
                if self.remaining == 0 {
                    self.state = State::DataEnd;
                }
                Ok(Step::Data { len })
            }
            State::DataEnd => {
                // CRLF (a lone LF tolerated); the CR may already have been read.
                let mut used = 0;
                for &b in input {
                    used += 1;
                    match (b, self.line.is_empty()) {
                        (b'\r', true) => self.line.push(b'\r'),
                        (b'\n', _) => {
                            self.line.clear();
                            self.state = State::Size;
                            break;
                        }
                        _ => {
                            return Err(format!(
                                "chunk data not followed by CRLF (byte 0x{b:02x})"
                            ));
                        }
                    }
                }
                Ok(Step::Framing { consumed: used })
            }
            State::Size | State::Trailer => {
                let mut used = 0;
                for &b in input {
                    used += 1;
                    if b != b'\n' {
                        self.line.push(b);
                        let cap = if self.state == State::Size {
                            MAX_LINE
                        } else {
                            MAX_TRAILER
                        };
                        if self.line.len() > cap || self.trailer + self.line.len() > MAX_TRAILER {
                            return Err(if self.state == State::Size {
                                "chunk-size line longer than 1 KiB".into()
                            } else {
                                "chunked trailer section longer than 16 KiB".into()
                            });
                        }
                        continue;
                    }
                    let line = std::mem::take(&mut self.line);
                    let line = line.strip_suffix(b"\r").unwrap_or(&line);
                    if self.state == State::Size {
                        let n = chunk_size(line)?;
                        self.chunks += 1;
                        if n == 0 {
                            self.state = State::Trailer;
                        } else {
                            self.remaining = n;
                            self.state = State::Data;
                        }
                        return Ok(Step::Framing { consumed: used });
                    }
                    if line.is_empty() {
                        self.state = State::Done;
                        return Ok(Step::End { consumed: used });
                    }
                    self.trailer += line.len() + 2;
                }
                Ok(Step::Framing { consumed: used })
            }
            State::Done => Ok(Step::End { consumed: 0 }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(input: &[u8], piece: usize) -> Result<(Vec<u8>, bool, usize), String> {
        let mut d = Dechunker::default();
        let mut out = Vec::new();
        let mut at = 0;
        let mut ended = false;
        for part in input.chunks(piece) {
            let mut p = part;
            while !p.is_empty() && !ended {
                match d.step(p)? {
                    Step::Framing { consumed } => p = &p[consumed..],
                    Step::Data { len } => {
                        out.extend_from_slice(&p[..len]);
                        p = &p[len..];
                    }
                    Step::End { consumed } => {
                        p = &p[consumed..];
                        ended = true;
                    }
                }
            }
            at += part.len() - p.len();
        }
        Ok((out, ended, at))
    }

    #[test]
    fn decodes_in_any_split() {
        let body = b"E\r\n\x01\x00\x00\x00\x0e\x00\x00\x00\x01\x00\x00\x00\x00\x00\r\n10;ext=1\r\n0123456789abcdef\r\n0\r\nX-T: 1\r\n\r\nNEXT";
        for piece in [1, 2, 3, 7, 100] {
            let (out, ended, used) = decode(body, piece).unwrap();
            assert_eq!(out.len(), 14 + 16, "piece {piece}");
            assert!(ended);
            assert_eq!(&body[used..], b"NEXT");
        }
    }

    #[test]
    fn errors() {
        assert!(decode(b"zz\r\n", 1).is_err());
        assert!(decode(b"2\r\nabX", 1).is_err());
        assert!(decode(b"fffffffffffff\r\n", 4).is_err());
        assert!(decode(b"00000000000000000001\r\nx\r\n", 4).is_ok());
        assert!(decode(&[b'1'; 2000], 64).is_err());
        let (out, ended, _) = decode(b"3\nabc\n0\n\n", 1).unwrap();
        assert_eq!((out.as_slice(), ended), (&b"abc"[..], true));
    }
}
