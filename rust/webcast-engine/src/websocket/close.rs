//! Close codes (RFC 6455 §7.4 and the IANA registry) and the Close frame payload: a big-endian code followed by a
//! UTF-8 reason.

use super::Error;

pub const NORMAL_CLOSURE: u16 = 1000;
pub const GOING_AWAY: u16 = 1001;
pub const PROTOCOL_ERROR: u16 = 1002;
pub const UNSUPPORTED_DATA: u16 = 1003;
/// Reported locally when a Close frame had no code; never sent.
pub const NO_STATUS_RECEIVED: u16 = 1005;
/// Reported locally when the connection ended without a Close frame; never sent.
pub const ABNORMAL_CLOSURE: u16 = 1006;
pub const INVALID_PAYLOAD: u16 = 1007;
pub const POLICY_VIOLATION: u16 = 1008;
pub const MESSAGE_TOO_BIG: u16 = 1009;
pub const MANDATORY_EXTENSION: u16 = 1010;
pub const INTERNAL_ERROR: u16 = 1011;

/// The longest reason that fits in a control frame (125 bytes) after the 2-byte code.
pub const MAX_REASON_LEN: usize = 123;

/// Whether `code` may appear in a Close frame on the wire.
///
/// 1000-1003 and 1007-1011 are defined by RFC 6455; 1012-1014 were registered with IANA since (service restart,
/// try again later, bad gateway) and servers do send them; 3000-4999 belong to libraries and applications.
/// Everything else (below 1000, 1004-1006, 1015 and the unassigned rest of 1000-2999, 5000 and up) is invalid.
#[must_use]
pub fn is_sendable(code: u16) -> bool {
    matches!(code, 1000..=1003 | 1007..=1014 | 3000..=4999)
}

/// Parses a received Close payload into `(code, reason)`; an empty payload means [`NO_STATUS_RECEIVED`].
pub(crate) fn parse_payload(payload: &[u8]) -> Result<(u16, String), Error> {
    match payload {
        [] => Ok((NO_STATUS_RECEIVED, String::new())),
        [_] => Err(Error::protocol("close frame payload of one byte")),
        [high, low, reason @ ..] => {
            let code = u16::from_be_bytes([*high, *low]);
            if !is_sendable(code) {
                return Err(Error::protocol("invalid close code"));
            }
            let reason = std::str::from_utf8(reason)
                .map_err(|_| Error::invalid_payload("close reason is not valid UTF-8"))?;
            Ok((code, reason.to_owned()))
        }
    }
}

/// Builds a Close payload; `None` gives the empty payload (no code).
pub(crate) fn encode_payload(code: Option<u16>, reason: &str) -> Vec<u8> {
    match code {
        None => Vec::new(),
        Some(code) => {
            let mut payload = Vec::with_capacity(2 + reason.len());
            payload.extend_from_slice(&code.to_be_bytes());
            payload.extend_from_slice(reason.as_bytes());
            payload
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sendable_codes() {
        for code in [
            1000, 1001, 1002, 1003, 1007, 1011, 1012, 1013, 1014, 3000, 4999,
        ] {
            assert!(is_sendable(code), "{code}");
        }
        for code in [
            0,
            999,
            1004,
            1005,
            1006,
            1015,
            1016,
            2000,
            2999,
            5000,
            u16::MAX,
        ] {
            assert!(!is_sendable(code), "{code}");
        }
    }

    #[test]
    fn payloads() {
        assert_eq!(parse_payload(&[]), Ok((1005, String::new())));
        assert_eq!(
            parse_payload(&[3, 232]).map(|(code, _)| code),
            Ok(NORMAL_CLOSURE)
        );
        assert_eq!(parse_payload(b"\x03\xe8bye"), Ok((1000, "bye".to_owned())));
        assert_eq!(
            parse_payload(&[3]).map_err(|e| e.close_code()),
            Err(Some(PROTOCOL_ERROR))
        );
        assert_eq!(
            parse_payload(&[3, 237]).map_err(|e| e.close_code()),
            Err(Some(PROTOCOL_ERROR))
        );
        assert_eq!(
            parse_payload(b"\x03\xe8\xff").map_err(|e| e.close_code()),
            Err(Some(INVALID_PAYLOAD))
        );
        assert_eq!(encode_payload(Some(1000), "ok"), b"\x03\xe8ok");
        assert!(encode_payload(None, "").is_empty());
    }
}
