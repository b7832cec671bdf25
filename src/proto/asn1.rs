//! The ASN.1 encodings RDP uses, as far as its PDUs need them: X.690 BER/DER (T.125 MCS
//! Connect PDUs, MS-CSSP TSRequest, SPNEGO) and X.691 ALIGNED PER (T.125 domain PDUs, T.124
//! GCC). Definite lengths only; values larger than 32 bits are refused.
//!
//! Hand-written on top of [`Cursor`]: RDP needs a dozen fixed tags, not a general ASN.1
//! compiler, and the errors keep the byte offset and the field.

use super::wire::{Cursor, DecodeError};

/// X.690 8.1.3 definite length (short form, or long form with up to 4 length octets).
pub fn ber_length(c: &mut Cursor) -> Result<usize, DecodeError> {
    let at = c.pos();
    let first = c.u8("BER length")?;
    if first < 0x80 {
        return Ok(usize::from(first));
    }
    let n = first & 0x7F;
    if n == 0 {
        return Err(Cursor::err_at(at, "BER indefinite length not allowed"));
    }
    if n > 4 {
        return Err(Cursor::err_at(at, format!("BER length of {n} octets")));
    }
    let mut len: usize = 0;
    for _ in 0..n {
        len = (len << 8) | usize::from(c.u8("BER length")?);
    }
    Ok(len)
}

/// X.690 8.1 TLV with the given single-octet identifier (8.1.2): a cursor over its contents.
pub fn ber_tlv<'a>(c: &mut Cursor<'a>, tag: u8, what: &str) -> Result<Cursor<'a>, DecodeError> {
    let at = c.pos();
    let t = c.u8(what)?;
    if t != tag {
        return Err(Cursor::err_at(
            at,
            format!("{what}: expected BER tag {tag:#04x}, found {t:#04x}"),
        ));
    }
    let len = ber_length(c)?;
    c.sub(len, what)
}

/// The next TLV, whatever its single-octet tag: (tag, contents).
pub fn ber_any<'a>(c: &mut Cursor<'a>, what: &str) -> Result<(u8, Cursor<'a>), DecodeError> {
    let t = c.u8(what)?;
    if t & 0x1F == 0x1F {
        return Err(c.err(format!("{what}: multi-octet tag {t:#04x}")));
    }
    let len = ber_length(c)?;
    Ok((t, c.sub(len, what)?))
}

/// X.690 8.3 INTEGER / 8.4 ENUMERATED contents read as an unsigned value of at most 32
/// significant bits. T.125 writes e.g. maxMCSPDUsize 65535 as `02 02 FF FF`, so the sign bit
/// is not honoured here (see [`ber_int_bits`] for signed values).
pub fn ber_uint_contents(mut v: Cursor, what: &str) -> Result<u32, DecodeError> {
    if v.is_empty() {
        return Err(v.err(format!("{what}: empty INTEGER")));
    }
    let mut value: u64 = 0;
    while !v.is_empty() {
        value = (value << 8) | u64::from(v.u8(what)?);
        if value > u64::from(u32::MAX) {
            return Err(v.err(format!("{what}: INTEGER too large")));
        }
    }
    Ok(u32::try_from(value).unwrap_or(u32::MAX))
}

/// X.690 8.3 INTEGER contents of a 32-bit code that may be written as a negative number
/// (MS-CSSP errorCode: NTSTATUS 0xC000006D is `02 04 C0 00 00 6D`) or as a positive one with
/// a leading zero octet: the low 32 bits of the two's complement value.
pub fn ber_int_bits(mut v: Cursor, what: &str) -> Result<u32, DecodeError> {
    if v.is_empty() {
        return Err(v.err(format!("{what}: empty INTEGER")));
    }
    let negative = v.peek().is_some_and(|b| b & 0x80 != 0);
    if v.remaining() == 5 && v.peek() == Some(0) {
        v.skip(1, what)?;
    }
    if v.remaining() > 4 {
        return Err(v.err(format!("{what}: INTEGER too large")));
    }
    let mut value: u32 = if negative { u32::MAX } else { 0 };
    while !v.is_empty() {
        let b = v.u8(what)?;
        value = (value << 8) | u32::from(b);
    }
    Ok(value)
}

/// X.690 8.3 INTEGER with the given tag (0x02 INTEGER, 0x0A ENUMERATED).
pub fn ber_uint(c: &mut Cursor, tag: u8, what: &str) -> Result<u32, DecodeError> {
    let v = ber_tlv(c, tag, what)?;
    ber_uint_contents(v, what)
}

/// BER application tag in high-tag-number form (X.690 8.1.2.4: T.125 `7F 65`
/// connect-initial, `7F 66` connect-response), definite length; a cursor over the contents.
pub fn ber_application<'a>(
    c: &mut Cursor<'a>,
    tag: u8,
    what: &str,
) -> Result<Cursor<'a>, DecodeError> {
    c.expect(&[0x7F, tag], what)?;
    let len = ber_length(c)?;
    c.sub(len, what)
}

/// How long the DER/BER TLV at the start of `buf` is (header + contents), `Ok(None)` when
/// `buf` does not hold the whole header yet, an error when the header is impossible.
pub fn ber_tlv_total_len(buf: &[u8]) -> Result<Option<usize>, DecodeError> {
    let Some(&first) = buf.get(1) else {
        return Ok(None);
    };
    if first < 0x80 {
        return Ok(Some(2 + usize::from(first)));
    }
    let n = usize::from(first & 0x7F);
    if n == 0 || n > 4 {
        return Err(DecodeError::new(1, format!("BER length of {n} octets")));
    }
    let Some(octets) = buf.get(2..2 + n) else {
        return Ok(None);
    };
    let len = octets
        .iter()
        .fold(0usize, |l, &b| (l << 8) | usize::from(b));
    Ok(Some(2 + n + len))
}

/// X.691 10.9 length determinant (ALIGNED): one octet (< 128) or two (14 bits, first has
/// bit 7 set); fragmented lengths (bits 7 and 6 set) are refused.
pub fn per_length(c: &mut Cursor, what: &str) -> Result<usize, DecodeError> {
    let at = c.pos();
    let first = c.u8(what)?;
    if first & 0x80 == 0 {
        return Ok(usize::from(first));
    }
    if first & 0x40 != 0 {
        return Err(Cursor::err_at(at, format!("{what}: fragmented PER length")));
    }
    let second = c.u8(what)?;
    Ok((usize::from(first & 0x3F) << 8) | usize::from(second))
}

/// X.691 constrained whole number of 16 bits with a lower bound (T.125 UserId / ChannelId:
/// `INTEGER (1001..65535)` and `(0..65535)`): two octets, big-endian, plus `min`.
pub fn per_u16(c: &mut Cursor, min: u16, what: &str) -> Result<u16, DecodeError> {
    let at = c.pos();
    let v = c.u16_be(what)?;
    v.checked_add(min)
        .ok_or_else(|| Cursor::err_at(at, format!("{what}: {v} + {min} out of range")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ber_lengths() {
        for (bytes, want) in [
            (&[0x05][..], 5),
            (&[0x81, 0xC8][..], 200),
            (&[0x82, 0x01, 0x2C][..], 300),
        ] {
            assert_eq!(ber_length(&mut Cursor::new(bytes)).unwrap(), want);
        }
        assert!(ber_length(&mut Cursor::new(&[0x80])).is_err());
        assert!(ber_length(&mut Cursor::new(&[0x85, 1, 2, 3, 4, 5])).is_err());
        assert!(ber_length(&mut Cursor::new(&[0x82, 0x01])).is_err());
    }

    #[test]
    fn per_lengths() {
        assert_eq!(per_length(&mut Cursor::new(&[0x7F]), "").unwrap(), 0x7F);
        assert_eq!(
            per_length(&mut Cursor::new(&[0x81, 0x2A]), "").unwrap(),
            0x12A
        );
        assert!(per_length(&mut Cursor::new(&[0xC1]), "").is_err());
        assert!(per_length(&mut Cursor::new(&[0x81]), "").is_err());
    }

    #[test]
    fn integers_signed_and_unsigned() {
        let int = |b: &[u8]| {
            let mut c = Cursor::new(b);
            ber_tlv(&mut c, 2, "e").and_then(|v| ber_int_bits(v, "e"))
        };
        // NTSTATUS 0xC000006D as DER INTEGER (negative, four octets).
        assert_eq!(int(&[2, 4, 0xC0, 0, 0, 0x6D]).unwrap(), 0xC000_006D);
        // The same written as a positive INTEGER with a sign octet.
        assert_eq!(int(&[2, 5, 0, 0xC0, 0, 0, 0x6D]).unwrap(), 0xC000_006D);
        // -1 in one octet.
        assert_eq!(int(&[2, 1, 0xFF]).unwrap(), 0xFFFF_FFFF);
        assert!(int(&[2, 0]).is_err());
        assert!(int(&[2, 5, 1, 0, 0, 0, 0]).is_err());
        // T.125 maxMCSPDUsize 65535 (`02 02 FF FF`) is unsigned.
        assert_eq!(
            ber_uint(&mut Cursor::new(&[2, 2, 0xFF, 0xFF]), 2, "v").unwrap(),
            65535
        );
        assert_eq!(ber_uint(&mut Cursor::new(&[2, 1, 6]), 2, "v").unwrap(), 6);
        assert!(ber_uint(&mut Cursor::new(&[2, 0]), 2, "v").is_err());
        assert!(ber_uint(&mut Cursor::new(&[2, 5, 1, 0, 0, 0, 0]), 2, "v").is_err());
        assert!(ber_uint(&mut Cursor::new(&[4, 1, 6]), 2, "v").is_err());
    }

    #[test]
    fn tlv_total_lengths() {
        assert_eq!(ber_tlv_total_len(&[0x30]).unwrap(), None);
        assert_eq!(ber_tlv_total_len(&[0x30, 0x0D]).unwrap(), Some(15));
        assert_eq!(ber_tlv_total_len(&[0x30, 0x82, 0x01]).unwrap(), None);
        assert_eq!(
            ber_tlv_total_len(&[0x30, 0x82, 0x01, 0x00]).unwrap(),
            Some(260)
        );
        assert!(ber_tlv_total_len(&[0x30, 0x80]).is_err());
        assert!(ber_tlv_total_len(&[0x30, 0x89]).is_err());
    }

    #[test]
    fn per_user_ids() {
        assert_eq!(per_u16(&mut Cursor::new(&[0, 6]), 1001, "u").unwrap(), 1007);
        assert!(per_u16(&mut Cursor::new(&[0xFF, 0xFF]), 1001, "u").is_err());
    }
}
