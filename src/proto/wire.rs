//! The one bounds-checked reader every hand-written binary decoder shares ([`Cursor`]), its
//! error ([`DecodeError`]: what failed and at which byte), and small text helpers (UTF-16LE,
//! hex, GUID).
//!
//! Contract (as smoltcp's `wire`): no method panics on any input. A length read from the wire
//! is checked against the bytes that remain before anything is sliced or allocated from it;
//! offsets in errors are absolute (from the start of the buffer the outermost cursor was made
//! on), also for sub-cursors made with [`Cursor::sub`].

use serde::Serialize;

/// Why a structure could not be decoded: the byte offset where decoding stopped and what was
/// wrong there (the field is named).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DecodeError {
    /// Byte offset within the decoded buffer where decoding stopped.
    pub offset: usize,
    pub reason: String,
}

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} at offset {}", self.reason, self.offset)
    }
}

impl std::error::Error for DecodeError {}

impl DecodeError {
    pub fn new(offset: usize, reason: impl Into<String>) -> Self {
        DecodeError {
            offset,
            reason: reason.into(),
        }
    }

    /// The same error with its offset moved by `base` (a buffer decoded inside another).
    pub fn shifted(mut self, base: usize) -> Self {
        self.offset = self.offset.saturating_add(base);
        self
    }
}

/// A read position in `data` that never goes past `end`.
#[derive(Debug, Clone, Copy)]
pub struct Cursor<'a> {
    data: &'a [u8],
    pos: usize,
    /// Invariant: `pos <= end <= data.len()`.
    end: usize,
}

impl<'a> Cursor<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Cursor {
            data,
            pos: 0,
            end: data.len(),
        }
    }

    /// Absolute offset of the next byte.
    pub fn pos(&self) -> usize {
        self.pos
    }

    /// Absolute offset just past this cursor's last byte.
    pub fn end(&self) -> usize {
        self.end
    }

    /// Moves to absolute offset `pos`, clamped to this cursor's end.
    pub fn seek(&mut self, pos: usize) {
        self.pos = pos.min(self.end);
    }

    pub fn remaining(&self) -> usize {
        self.end.saturating_sub(self.pos)
    }

    pub fn is_empty(&self) -> bool {
        self.remaining() == 0
    }

    /// An error at the current position.
    pub fn err(&self, reason: impl Into<String>) -> DecodeError {
        DecodeError::new(self.pos, reason)
    }

    /// An error at an absolute offset.
    pub fn err_at(offset: usize, reason: impl Into<String>) -> DecodeError {
        DecodeError::new(offset, reason)
    }

    /// The next `n` bytes, or an error naming `what` when fewer remain.
    pub fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], DecodeError> {
        if n > self.remaining() {
            return Err(self.err(format!(
                "{what}: truncated ({n} bytes needed, {} left)",
                self.remaining()
            )));
        }
        let bytes = self
            .data
            .get(self.pos..self.pos + n)
            .ok_or_else(|| self.err(format!("{what}: truncated")))?;
        self.pos += n;
        Ok(bytes)
    }

    /// A cursor over the next `n` bytes; this one moves past them.
    pub fn sub(&mut self, n: usize, what: &str) -> Result<Cursor<'a>, DecodeError> {
        let start = self.pos;
        self.take(n, what)?;
        Ok(Cursor {
            data: self.data,
            pos: start,
            end: start + n,
        })
    }

    /// The rest of this cursor, as bytes (the cursor does not move).
    pub fn rest(&self) -> &'a [u8] {
        self.data.get(self.pos..self.end).unwrap_or_default()
    }

    /// The next byte without moving.
    pub fn peek(&self) -> Option<u8> {
        self.rest().first().copied()
    }

    pub fn skip(&mut self, n: usize, what: &str) -> Result<(), DecodeError> {
        self.take(n, what).map(|_| ())
    }

    pub fn u8(&mut self, what: &str) -> Result<u8, DecodeError> {
        let b = self.take(1, what)?;
        Ok(b.first().copied().unwrap_or_default())
    }

    pub fn array<const N: usize>(&mut self, what: &str) -> Result<[u8; N], DecodeError> {
        let b = self.take(N, what)?;
        let mut out = [0u8; N];
        out.copy_from_slice(b);
        Ok(out)
    }

    pub fn u16_le(&mut self, what: &str) -> Result<u16, DecodeError> {
        self.array::<2>(what).map(u16::from_le_bytes)
    }

    pub fn u16_be(&mut self, what: &str) -> Result<u16, DecodeError> {
        self.array::<2>(what).map(u16::from_be_bytes)
    }

    pub fn u32_le(&mut self, what: &str) -> Result<u32, DecodeError> {
        self.array::<4>(what).map(u32::from_le_bytes)
    }

    pub fn u32_be(&mut self, what: &str) -> Result<u32, DecodeError> {
        self.array::<4>(what).map(u32::from_be_bytes)
    }

    /// Optional trailing fields: `Some` only when the whole field is present.
    pub fn opt_u8(&mut self) -> Option<u8> {
        (self.remaining() >= 1).then(|| self.u8("").ok()).flatten()
    }

    pub fn opt_u16_le(&mut self) -> Option<u16> {
        (self.remaining() >= 2)
            .then(|| self.u16_le("").ok())
            .flatten()
    }

    pub fn opt_u32_le(&mut self) -> Option<u32> {
        (self.remaining() >= 4)
            .then(|| self.u32_le("").ok())
            .flatten()
    }

    pub fn opt_take(&mut self, n: usize) -> Option<&'a [u8]> {
        (self.remaining() >= n)
            .then(|| self.take(n, "").ok())
            .flatten()
    }

    /// The next bytes must be `bytes`.
    pub fn expect(&mut self, bytes: &[u8], what: &str) -> Result<(), DecodeError> {
        let at = self.pos;
        let got = self.take(bytes.len(), what)?;
        if got != bytes {
            return Err(Cursor::err_at(
                at,
                format!("{what}: expected {}, found {}", hex(bytes), hex(got)),
            ));
        }
        Ok(())
    }
}

/// Bytes as lower-case hex pairs separated by spaces ("7f 65").
pub fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// UTF-16LE text up to the first NUL (or the end); an odd last byte is ignored, invalid
/// surrogates become U+FFFD.
pub fn utf16_until_nul(bytes: &[u8]) -> String {
    let units: Vec<u16> = bytes
        .chunks_exact(2)
        .map(|p| u16::from_le_bytes([p[0], p[1]]))
        .take_while(|&u| u != 0)
        .collect();
    String::from_utf16_lossy(&units)
}

/// 8-bit text from a fixed-size field, up to the first NUL.
pub fn ascii_until_nul(bytes: &[u8]) -> String {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    String::from_utf8_lossy(bytes.get(..end).unwrap_or_default()).into_owned()
}

/// A GUID (MS-DTYP 2.3.4.2: Data1–Data3 little-endian, Data4 as bytes) in the usual
/// lower-case hyphenated form.
pub fn guid(b: &[u8; 16]) -> String {
    format!(
        "{:08x}-{:04x}-{:04x}-{:02x}{:02x}-{:02x}{:02x}{:02x}{:02x}{:02x}{:02x}",
        u32::from_le_bytes([b[0], b[1], b[2], b[3]]),
        u16::from_le_bytes([b[4], b[5]]),
        u16::from_le_bytes([b[6], b[7]]),
        b[8],
        b[9],
        b[10],
        b[11],
        b[12],
        b[13],
        b[14],
        b[15]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sub_cursor_offsets_are_absolute() {
        let data = [0u8; 10];
        let mut c = Cursor::new(&data);
        c.skip(3, "").unwrap();
        let mut s = c.sub(4, "").unwrap();
        assert_eq!(c.pos(), 7);
        s.skip(4, "").unwrap();
        let e = s.u8("x").unwrap_err();
        assert_eq!(e.offset, 7);
    }

    #[test]
    fn impossible_lengths_fail_without_moving() {
        let data = [1u8, 2, 3];
        let mut c = Cursor::new(&data);
        assert!(c.take(usize::MAX, "huge").is_err());
        assert!(c.sub(4, "four").is_err());
        assert_eq!(c.pos(), 0);
        assert_eq!(c.u16_le("a").unwrap(), 0x0201);
        assert_eq!(c.opt_u16_le(), None);
        assert_eq!(c.opt_u8(), Some(3));
        assert!(c.u8("b").unwrap_err().reason.contains("b: truncated"));
        c.seek(99);
        assert_eq!(c.pos(), 3);
    }

    #[test]
    fn expect_names_what_was_found() {
        let e = Cursor::new(&[0x7F, 0x66])
            .expect(&[0x7F, 0x65], "tag")
            .unwrap_err();
        assert_eq!(e.reason, "tag: expected 7f 65, found 7f 66");
    }

    #[test]
    fn text_helpers() {
        assert_eq!(utf16_until_nul(b"a\0b\0\0\0c\0"), "ab");
        assert_eq!(utf16_until_nul(b"a\0b"), "a");
        assert_eq!(ascii_until_nul(b"rdpdr\0\0\0"), "rdpdr");
        assert_eq!(hex(&[0x30, 0x0d]), "30 0d");
        let g = [
            0x78, 0x56, 0x34, 0x12, 0x34, 0x12, 0x78, 0x56, 1, 2, 3, 4, 5, 6, 7, 8,
        ];
        assert_eq!(guid(&g), "12345678-1234-5678-0102-030405060708");
        let h = [0xAB; 16];
        assert_eq!(guid(&h), "abababab-abab-abab-abab-abababababab");
    }
}
