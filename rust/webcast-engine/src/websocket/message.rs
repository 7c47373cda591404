//! Reassembly of data frames into messages (RFC 6455 §5.4), with UTF-8 checked as fragments arrive so a bad text
//! message fails at the first bad fragment.

use super::frame::OpCode;
use super::{Error, Event};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Text,
    Binary,
}

/// The data message being received, if a first fragment without FIN has arrived.
#[derive(Debug, Default)]
pub(crate) struct Reassembly {
    open: Option<Kind>,
    buffer: Vec<u8>,
    /// Prefix of `buffer` already known to be valid UTF-8 (text messages only).
    utf8_checked: usize,
}

impl Reassembly {
    /// Bytes held for the open message.
    pub(crate) fn len(&self) -> usize {
        self.buffer.len()
    }

    /// Checks that a data frame with `opcode` may come now: a continuation needs an open message and a new
    /// message needs none. Called on the header, before the payload is buffered.
    pub(crate) fn check_order(&self, opcode: OpCode) -> Result<(), Error> {
        match (opcode, self.open) {
            (OpCode::Continuation, None) => Err(Error::protocol(
                "continuation frame without a message to continue",
            )),
            (OpCode::Text | OpCode::Binary, Some(_)) => Err(Error::protocol(
                "new data frame while a fragmented message is open",
            )),
            _ => Ok(()),
        }
    }

    /// Takes one data frame (order already checked); returns the message when `fin` completes it.
    pub(crate) fn push(
        &mut self,
        opcode: OpCode,
        fin: bool,
        payload: &[u8],
    ) -> Result<Option<Event>, Error> {
        let kind = match opcode {
            OpCode::Text => Kind::Text,
            OpCode::Binary => Kind::Binary,
            _ => match self.open {
                Some(kind) => kind,
                None => {
                    return Err(Error::protocol(
                        "continuation frame without a message to continue",
                    ))
                }
            },
        };
        if fin && self.open.is_none() {
            return complete(kind, payload.to_vec()).map(Some);
        }
        self.open = Some(kind);
        self.buffer.extend_from_slice(payload);
        if kind == Kind::Text {
            self.check_utf8_prefix()?;
        }
        if !fin {
            return Ok(None);
        }
        self.open = None;
        self.utf8_checked = 0;
        complete(kind, std::mem::take(&mut self.buffer)).map(Some)
    }

    fn check_utf8_prefix(&mut self) -> Result<(), Error> {
        let unchecked = self.buffer.get(self.utf8_checked..).unwrap_or_default();
        match std::str::from_utf8(unchecked) {
            Ok(_) => self.utf8_checked = self.buffer.len(),
            // A sequence cut at the end of a fragment may be completed by the next one.
            Err(error) if error.error_len().is_none() => self.utf8_checked += error.valid_up_to(),
            Err(_) => return Err(invalid_utf8()),
        }
        Ok(())
    }
}

fn complete(kind: Kind, data: Vec<u8>) -> Result<Event, Error> {
    match kind {
        Kind::Binary => Ok(Event::Binary(data)),
        Kind::Text => String::from_utf8(data)
            .map(Event::Text)
            .map_err(|_| invalid_utf8()),
    }
}

fn invalid_utf8() -> Error {
    Error::invalid_payload("text message is not valid UTF-8")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_fragments() {
        let mut r = Reassembly::default();
        assert_eq!(r.push(OpCode::Text, false, b"he"), Ok(None));
        assert_eq!(r.len(), 2);
        assert_eq!(r.push(OpCode::Continuation, false, b""), Ok(None));
        assert_eq!(
            r.push(OpCode::Continuation, true, b"llo"),
            Ok(Some(Event::Text("hello".into())))
        );
        assert_eq!(r.len(), 0);
        assert_eq!(
            r.push(OpCode::Binary, true, &[1]),
            Ok(Some(Event::Binary(vec![1])))
        );
    }

    #[test]
    fn utf8_split_across_fragments_is_fine() {
        let snowman = "\u{2603}".as_bytes();
        let mut r = Reassembly::default();
        assert_eq!(r.push(OpCode::Text, false, &snowman[..1]), Ok(None));
        assert_eq!(
            r.push(OpCode::Continuation, false, &snowman[1..2]),
            Ok(None)
        );
        assert_eq!(
            r.push(OpCode::Continuation, true, &snowman[2..]),
            Ok(Some(Event::Text("\u{2603}".into())))
        );
    }

    #[test]
    fn bad_utf8_fails_early_and_truncated_utf8_fails_at_the_end() {
        let mut r = Reassembly::default();
        let err = r.push(OpCode::Text, false, b"ok\xff").unwrap_err();
        assert_eq!(err.close_code(), Some(1007));

        let mut r = Reassembly::default();
        assert_eq!(r.push(OpCode::Text, false, b"\xe2\x98"), Ok(None));
        let err = r.push(OpCode::Continuation, true, b"").unwrap_err();
        assert_eq!(err.close_code(), Some(1007));
    }

    #[test]
    fn order() {
        let mut r = Reassembly::default();
        assert!(r.check_order(OpCode::Continuation).is_err());
        assert!(r.check_order(OpCode::Text).is_ok());
        assert_eq!(r.push(OpCode::Binary, false, b"x"), Ok(None));
        assert!(r.check_order(OpCode::Text).is_err());
        assert!(r.check_order(OpCode::Binary).is_err());
        assert!(r.check_order(OpCode::Continuation).is_ok());
    }
}
