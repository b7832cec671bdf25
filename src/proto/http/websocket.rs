//! RFC 6455 5.2 WebSocket frames, read incrementally after a `101 Switching Protocols`: the
//! payload of binary frames (unmasked) is handed on — an RD Gateway sends its packets in them
//! (RDP-FACTS §4.2) — and a Close frame's status code is noted. Text, ping and pong payloads
//! are skipped.

/// Largest frame payload accepted (2^40 bytes).
const MAX_PAYLOAD: u64 = 1 << 40;

/// RFC 6455 5.2 opcodes.
pub const OP_CONTINUATION: u8 = 0x0;
pub const OP_TEXT: u8 = 0x1;
pub const OP_BINARY: u8 = 0x2;
pub const OP_CLOSE: u8 = 0x8;
pub const OP_PING: u8 = 0x9;
pub const OP_PONG: u8 = 0xA;

/// One step of decoding.
#[derive(Debug, PartialEq, Eq)]
pub enum Step {
    /// `consumed` bytes were frame headers or skipped payload.
    Skipped { consumed: usize },
    /// `consumed` bytes were binary payload, unmasked in `data`.
    Binary { consumed: usize, data: Vec<u8> },
    /// A Close frame ended (RFC 6455 5.5.1): status code and reason when present.
    Close {
        consumed: usize,
        code: Option<u16>,
        reason: String,
    },
}

#[derive(Debug, Default)]
pub struct FrameReader {
    hdr: Vec<u8>,
    /// Payload bytes left in the current frame (when `in_payload`).
    remaining: u64,
    in_payload: bool,
    mask: Option<[u8; 4]>,
    mask_pos: usize,
    opcode: u8,
    /// Opcode of the message continuation frames belong to.
    message: u8,
    control: Vec<u8>,
    pub frames: u64,
}

impl FrameReader {
    /// Header length once the first two bytes are known.
    fn header_len(b1: u8) -> usize {
        let ext = match b1 & 0x7F {
            126 => 2,
            127 => 8,
            _ => 0,
        };
        2 + ext + if b1 & 0x80 != 0 { 4 } else { 0 }
    }

    fn start_frame(&mut self) -> Result<(), String> {
        let (b0, b1) = match self.hdr.as_slice() {
            [b0, b1, ..] => (*b0, *b1),
            _ => return Err("internal: short WebSocket header".into()),
        };
        if b0 & 0x70 != 0 {
            return Err(format!(
                "WebSocket frame with RSV bits 0x{:x} (an extension nobody negotiated)",
                b0 & 0x70
            ));
        }
        let fin = b0 & 0x80 != 0;
        let opcode = b0 & 0x0F;
        let ext = self.hdr.get(2..).unwrap_or_default();
        let len = match b1 & 0x7F {
            126 => u64::from(u16::from_be_bytes([
                ext.first().copied().unwrap_or(0),
                ext.get(1).copied().unwrap_or(0),
            ])),
            127 => ext
                .iter()
                .take(8)
                .fold(0u64, |acc, &b| (acc << 8) | u64::from(b)),
            n => u64::from(n),
        };
        if len > MAX_PAYLOAD {
            return Err(format!("WebSocket frame payload of {len} bytes"));
        }
        match opcode {
            OP_CONTINUATION | OP_TEXT | OP_BINARY => {}
            OP_CLOSE | OP_PING | OP_PONG => {
                if !fin || len > 125 {
                    return Err(format!(
                        "WebSocket control frame 0x{opcode:x} fragmented or longer than 125 bytes"
                    ));
                }
            }
            _ => return Err(format!("WebSocket frame with reserved opcode 0x{opcode:x}")),
        }
        if opcode != OP_CONTINUATION && opcode < OP_CLOSE {
            self.message = opcode;
        }
        self.mask = if b1 & 0x80 != 0 {
            let m = self
                .hdr
                .get(self.hdr.len().saturating_sub(4)..)
                .unwrap_or_default();
            let mut k = [0u8; 4];
            for (d, s) in k.iter_mut().zip(m) {
                *d = *s;
            }
            Some(k)
        } else {
            None
        };
        self.mask_pos = 0;
        self.opcode = opcode;
        self.remaining = len;
        self.in_payload = true;
        self.control.clear();
        self.frames += 1;
        self.hdr.clear();
        Ok(())
    }

    fn unmask(&mut self, data: &mut [u8]) {
        if let Some(k) = self.mask {
            for b in data.iter_mut() {
                *b ^= k[self.mask_pos % 4];
                self.mask_pos = (self.mask_pos + 1) % 4;
            }
        }
    }

    fn close_step(&mut self, consumed: usize) -> Step {
        let c = std::mem::take(&mut self.control);
        let code = match c.as_slice() {
            [a, b, ..] => Some(u16::from_be_bytes([*a, *b])),
            _ => None,
        };
        let reason = super::head::text(c.get(2..).unwrap_or_default());
        Step::Close {
            consumed,
            code,
            reason,
        }
    }

    /// Reads from `input` (non-empty): one header, or payload up to the end of a frame.
    pub fn step(&mut self, input: &[u8]) -> Result<Step, String> {
        if !self.in_payload {
            let mut used = 0;
            for &b in input {
                self.hdr.push(b);
                used += 1;
                let need = match self.hdr.get(1) {
                    Some(&b1) => Self::header_len(b1),
                    None => 2,
                };
                if self.hdr.len() >= need {
                    self.start_frame()?;
                    break;
                }
            }
            if self.in_payload && self.remaining == 0 {
                self.in_payload = false;
                if self.opcode == OP_CLOSE {
                    return Ok(self.close_step(used));
                }
            }
            return Ok(Step::Skipped { consumed: used });
        }
        let n = usize::try_from(self.remaining)
            .unwrap_or(usize::MAX)
            .min(input.len());
        self.remaining -= n as u64;
        let ended = self.remaining == 0;
        if ended {
            self.in_payload = false;
        }
        let mut data = input.get(..n).unwrap_or_default().to_vec();
        let binary = self.opcode == OP_BINARY
            || (self.opcode == OP_CONTINUATION && self.message == OP_BINARY);
        if binary {
            self.unmask(&mut data);
            return Ok(Step::Binary { consumed: n, data });
        }
        if self.opcode == OP_CLOSE {
            self.unmask(&mut data);
            self.control.extend_from_slice(&data);
            if ended {
                return Ok(self.close_step(n));
            }
        } else {
            // Text / ping / pong: only the mask position matters.
            self.mask_pos = (self.mask_pos + n) % 4;
        }
        Ok(Step::Skipped { consumed: n })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Closes = Vec<(Option<u16>, String)>;

    fn run(input: &[u8], piece: usize) -> Result<(Vec<u8>, Closes), String> {
        let mut r = FrameReader::default();
        let (mut bin, mut closes) = (Vec::new(), Vec::new());
        for part in input.chunks(piece) {
            let mut p = part;
            while !p.is_empty() {
                match r.step(p)? {
                    Step::Skipped { consumed } => p = &p[consumed..],
                    Step::Binary { consumed, data } => {
                        bin.extend(data);
                        p = &p[consumed..];
                    }
                    Step::Close {
                        consumed,
                        code,
                        reason,
                    } => {
                        closes.push((code, reason));
                        p = &p[consumed..];
                    }
                }
            }
        }
        Ok((bin, closes))
    }

    fn masked(opcode: u8, fin: bool, payload: &[u8], key: [u8; 4]) -> Vec<u8> {
        let mut f = vec![opcode | if fin { 0x80 } else { 0 }];
        match payload.len() {
            n if n < 126 => f.push(0x80 | n as u8),
            n => {
                f.push(0x80 | 126);
                f.extend_from_slice(&(n as u16).to_be_bytes());
            }
        }
        f.extend_from_slice(&key);
        f.extend(payload.iter().enumerate().map(|(i, b)| b ^ key[i % 4]));
        f
    }

    #[test]
    fn binary_text_close_in_any_split() {
        let packet: Vec<u8> = (0..300u16).map(|i| i as u8).collect();
        let mut s = masked(OP_TEXT, true, b"hello", [9, 9, 9, 9]);
        s.extend(masked(OP_BINARY, false, &packet[..200], [1, 2, 3, 4]));
        s.extend([0x89, 0x00]); // unmasked empty ping between fragments (RFC 6455 5.4)
        s.extend(masked(OP_CONTINUATION, true, &packet[200..], [5, 6, 7, 8]));
        s.extend(masked(OP_CLOSE, true, b"\x03\xe8bye", [1, 1, 1, 1]));
        for piece in [1, 3, 64, 1000] {
            let (bin, closes) = run(&s, piece).unwrap();
            assert_eq!(bin, packet, "piece {piece}");
            assert_eq!(closes, [(Some(1000), "bye".to_string())]);
        }
    }

    #[test]
    fn bad_frames() {
        assert!(run(&[0xC2, 0x00], 1).is_err()); // RSV1
        assert!(run(&[0x83, 0x00], 1).is_err()); // reserved opcode
        assert!(run(&[0x09, 0x00], 1).is_err()); // fragmented ping
        assert!(run(&[0x88, 0x7E, 0x00, 0x80], 1).is_err()); // long close
        assert!(run(&[0x82, 0x7F, 0xFF, 0, 0, 0, 0, 0, 0, 0], 3).is_err()); // 2^63
        let (_, closes) = run(&[0x88, 0x00], 1).unwrap();
        assert_eq!(closes, [(None, String::new())]);
    }
}
