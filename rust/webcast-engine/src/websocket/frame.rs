//! The frame layer (RFC 6455 §5.2): parsing the header of a server frame and encoding masked client frames.
//! Payloads are left to the caller, which checks its size limit between reading the header and buffering the
//! payload, so an untrusted length never drives an allocation.

use super::mask::apply_mask;
use super::Error;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OpCode {
    Continuation,
    Text,
    Binary,
    Close,
    Ping,
    Pong,
}

impl OpCode {
    fn from_bits(bits: u8) -> Option<Self> {
        match bits {
            0x0 => Some(OpCode::Continuation),
            0x1 => Some(OpCode::Text),
            0x2 => Some(OpCode::Binary),
            0x8 => Some(OpCode::Close),
            0x9 => Some(OpCode::Ping),
            0xA => Some(OpCode::Pong),
            _ => None,
        }
    }

    fn bits(self) -> u8 {
        match self {
            OpCode::Continuation => 0x0,
            OpCode::Text => 0x1,
            OpCode::Binary => 0x2,
            OpCode::Close => 0x8,
            OpCode::Ping => 0x9,
            OpCode::Pong => 0xA,
        }
    }

    pub(crate) fn is_control(self) -> bool {
        matches!(self, OpCode::Close | OpCode::Ping | OpCode::Pong)
    }
}

/// Control frames carry at most 125 bytes (§5.5).
pub(crate) const MAX_CONTROL_PAYLOAD: usize = 125;

const FIN: u8 = 0x80;
const RSV: u8 = 0x70;
const OPCODE: u8 = 0x0F;
const MASKED: u8 = 0x80;
const LEN7: u8 = 0x7F;

/// A validated header of a frame sent by the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FrameHeader {
    pub(crate) fin: bool,
    pub(crate) opcode: OpCode,
    /// Declared by the peer: untrusted until checked against a limit.
    pub(crate) payload_len: u64,
    /// Bytes taken by the header itself (2, 4 or 10: server frames carry no mask key).
    pub(crate) header_len: usize,
}

/// Parses the header at the start of `buf`. `Ok(None)` means more bytes are needed; nothing is consumed.
///
/// Rejects (close code 1002) reserved bits, reserved opcodes, masked server frames, 64-bit lengths with the top
/// bit set, and fragmented or oversized control frames. Non-minimal length encodings are accepted.
pub(crate) fn parse_header(buf: &[u8]) -> Result<Option<FrameHeader>, Error> {
    let [first, second, rest @ ..] = buf else {
        return Ok(None);
    };
    if first & RSV != 0 {
        return Err(Error::protocol(
            "reserved bits set without a negotiated extension",
        ));
    }
    let opcode = OpCode::from_bits(first & OPCODE).ok_or(Error::protocol("reserved opcode"))?;
    if second & MASKED != 0 {
        return Err(Error::protocol("the server masked a frame"));
    }
    let fin = first & FIN != 0;
    let (payload_len, extra) = match second & LEN7 {
        126 => match rest {
            [a, b, ..] => (u64::from(u16::from_be_bytes([*a, *b])), 2),
            _ => return Ok(None),
        },
        127 => match rest.first_chunk::<8>() {
            Some(bytes) => (u64::from_be_bytes(*bytes), 8),
            None => return Ok(None),
        },
        short => (u64::from(short), 0),
    };
    if payload_len >> 63 != 0 {
        return Err(Error::protocol(
            "64-bit payload length with the top bit set",
        ));
    }
    if opcode.is_control() {
        if !fin {
            return Err(Error::protocol("fragmented control frame"));
        }
        if payload_len > MAX_CONTROL_PAYLOAD as u64 {
            return Err(Error::protocol("control frame payload over 125 bytes"));
        }
    }
    Ok(Some(FrameHeader {
        fin,
        opcode,
        payload_len,
        header_len: 2 + extra,
    }))
}

/// Appends one final, masked client frame to `out`.
pub(crate) fn encode_client_frame(
    out: &mut Vec<u8>,
    opcode: OpCode,
    payload: &[u8],
    mask: [u8; 4],
) {
    out.reserve(14 + payload.len());
    out.push(FIN | opcode.bits());
    match payload.len() {
        len @ 0..=125 => out.push(MASKED | len as u8),
        len @ 126..=0xFFFF => {
            out.push(MASKED | 126);
            out.extend_from_slice(&(len as u16).to_be_bytes());
        }
        len => {
            out.push(MASKED | 127);
            out.extend_from_slice(&(len as u64).to_be_bytes());
        }
    }
    out.extend_from_slice(&mask);
    let start = out.len();
    out.extend_from_slice(payload);
    apply_mask(&mut out[start..], mask);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(bytes: &[u8]) -> Result<Option<FrameHeader>, Error> {
        parse_header(bytes)
    }

    #[test]
    fn needs_more_until_the_length_is_complete() {
        assert_eq!(header(&[]), Ok(None));
        assert_eq!(header(&[0x82]), Ok(None));
        assert_eq!(header(&[0x82, 126, 0]), Ok(None));
        assert_eq!(header(&[0x82, 127, 0, 0, 0, 0, 0, 0, 1]), Ok(None));
        let parsed = header(&[0x82, 127, 0, 0, 0, 0, 0, 1, 0, 0])
            .unwrap()
            .unwrap();
        assert_eq!(parsed.payload_len, 65536);
        assert_eq!(parsed.header_len, 10);
    }

    #[test]
    fn lengths() {
        assert_eq!(header(&[0x81, 5]).unwrap().unwrap().payload_len, 5);
        let parsed = header(&[0x82, 126, 1, 0]).unwrap().unwrap();
        assert_eq!((parsed.payload_len, parsed.header_len), (256, 4));
        // Non-minimal encodings are tolerated.
        assert_eq!(header(&[0x82, 126, 0, 5]).unwrap().unwrap().payload_len, 5);
    }

    #[test]
    fn rejections() {
        let code = |bytes: &[u8]| header(bytes).unwrap_err().close_code();
        assert_eq!(code(&[0xC2, 0]), Some(1002)); // RSV1
        assert_eq!(code(&[0x83, 0]), Some(1002)); // reserved data opcode
        assert_eq!(code(&[0x8B, 0]), Some(1002)); // reserved control opcode
        assert_eq!(code(&[0x82, 0x80, 0, 0, 0, 0]), Some(1002)); // masked
        assert_eq!(code(&[0x09, 0]), Some(1002)); // fragmented ping
        assert_eq!(code(&[0x89, 126, 0, 126]), Some(1002)); // ping over 125
        assert_eq!(
            code(&[0x82, 127, 0x80, 0, 0, 0, 0, 0, 0, 0]),
            Some(1002) // top bit
        );
    }

    #[test]
    fn encodes_all_length_forms() {
        for (len, header_len) in [(0, 6), (125, 6), (126, 8), (65535, 8), (65536, 14)] {
            let mut out = Vec::new();
            let payload = vec![0xAB; len];
            encode_client_frame(&mut out, OpCode::Binary, &payload, [1, 2, 3, 4]);
            assert_eq!(out.len(), header_len + len);
            assert_eq!(out[0], 0x82);
            assert_eq!(out[1] & 0x80, 0x80);
            let mut body = out[header_len..].to_vec();
            apply_mask(&mut body, [1, 2, 3, 4]);
            assert_eq!(body, payload);
        }
    }
}
