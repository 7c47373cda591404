//! The body of a refused handshake. Framing per RFC 9112 §6.3: none for 1xx/204/304, chunked when
//! Transfer-Encoding ends in `chunked`, Content-Length bytes when present, otherwise until the transport ends.
//! Refusals are informative only, so malformed chunking ends the body instead of failing the connection.

use super::Headers;

/// Bytes of refusal body kept; the rest is dropped.
pub(crate) const MAX_BODY_LEN: usize = 64 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Chunk {
    /// Expecting a chunk-size line.
    Size,
    /// Inside chunk data, with this many bytes left.
    Data(u64),
    /// Expecting the CRLF after chunk data.
    DataEnd,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Framing {
    Complete,
    Length(u64),
    Chunked(Chunk),
    UntilEof,
}

/// Collects a refusal body from successive slices of input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BodyReader {
    framing: Framing,
    body: Vec<u8>,
}

impl BodyReader {
    pub(crate) fn new(status: u16, headers: &Headers) -> Self {
        let chunked = headers
            .get_all("transfer-encoding")
            .flat_map(|value| value.split(','))
            .last()
            .is_some_and(|coding| coding.trim().eq_ignore_ascii_case("chunked"));
        let length = headers
            .get("content-length")
            .and_then(|value| value.trim().parse::<u64>().ok());
        let framing = if matches!(status, 100..=199 | 204 | 304) {
            Framing::Complete
        } else if chunked {
            Framing::Chunked(Chunk::Size)
        } else {
            match length {
                Some(0) => Framing::Complete,
                Some(length) => Framing::Length(length),
                None => Framing::UntilEof,
            }
        };
        BodyReader {
            framing,
            body: Vec::new(),
        }
    }

    /// True once the body is complete (or the kept part is full); later input is not part of it.
    pub(crate) fn is_complete(&self) -> bool {
        self.framing == Framing::Complete
    }

    /// Takes what it can from `input`; returns the number of bytes consumed.
    pub(crate) fn receive(&mut self, input: &[u8]) -> usize {
        let mut consumed = 0;
        while !self.is_complete() {
            let rest = input.get(consumed..).unwrap_or_default();
            let step = self.step(rest);
            if step == 0 && !self.is_complete() {
                break;
            }
            consumed += step;
        }
        consumed
    }

    /// The body received so far.
    pub(crate) fn finish(self) -> Vec<u8> {
        self.body
    }

    fn step(&mut self, rest: &[u8]) -> usize {
        match self.framing {
            Framing::Complete => 0,
            Framing::UntilEof => self.keep(rest),
            Framing::Length(left) => {
                let take = clamp(left, rest.len());
                self.framing = match left - take as u64 {
                    0 => Framing::Complete,
                    left => Framing::Length(left),
                };
                self.keep(&rest[..take])
            }
            Framing::Chunked(Chunk::Size) => match httparse::parse_chunk_size(rest) {
                Ok(httparse::Status::Complete((_, 0))) => {
                    // Trailers, if any, are not kept.
                    self.framing = Framing::Complete;
                    rest.len()
                }
                Ok(httparse::Status::Complete((used, size))) => {
                    self.framing = Framing::Chunked(Chunk::Data(size));
                    used
                }
                Ok(httparse::Status::Partial) => 0,
                Err(_) => {
                    self.framing = Framing::Complete;
                    0
                }
            },
            Framing::Chunked(Chunk::Data(left)) => {
                let take = clamp(left, rest.len());
                self.framing = match left - take as u64 {
                    0 => Framing::Chunked(Chunk::DataEnd),
                    left => Framing::Chunked(Chunk::Data(left)),
                };
                self.keep(&rest[..take])
            }
            Framing::Chunked(Chunk::DataEnd) => match rest {
                [] | [b'\r'] => 0,
                [b'\r', b'\n', ..] => {
                    self.framing = Framing::Chunked(Chunk::Size);
                    2
                }
                [b'\n', ..] => {
                    self.framing = Framing::Chunked(Chunk::Size);
                    1
                }
                _ => {
                    self.framing = Framing::Complete;
                    0
                }
            },
        }
    }

    /// Keeps what fits under [`MAX_BODY_LEN`]; consumes all of `bytes`.
    fn keep(&mut self, bytes: &[u8]) -> usize {
        let room = MAX_BODY_LEN.saturating_sub(self.body.len());
        self.body
            .extend_from_slice(bytes.get(..room).unwrap_or(bytes));
        if self.body.len() >= MAX_BODY_LEN {
            self.framing = Framing::Complete;
        }
        bytes.len()
    }
}

fn clamp(left: u64, available: usize) -> usize {
    usize::try_from(left).map_or(available, |left| left.min(available))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> Headers {
        pairs
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect()
    }

    /// Feeds `input` one byte at a time and returns (body, bytes consumed) once complete.
    fn read_bytewise(reader: &mut BodyReader, input: &[u8]) -> usize {
        let mut consumed = 0;
        let mut pending = Vec::new();
        for &byte in input {
            if reader.is_complete() {
                break;
            }
            pending.push(byte);
            let used = reader.receive(&pending);
            pending.drain(..used);
            consumed += used;
        }
        consumed
    }

    #[test]
    fn content_length() {
        let mut reader = BodyReader::new(403, &headers(&[("Content-Length", "5")]));
        assert_eq!(reader.receive(b"abc"), 3);
        assert!(!reader.is_complete());
        assert_eq!(reader.receive(b"deXYZ"), 2);
        assert!(reader.is_complete());
        assert_eq!(reader.finish(), b"abcde");
    }

    #[test]
    fn no_body_statuses_and_zero_length() {
        assert!(BodyReader::new(204, &headers(&[])).is_complete());
        assert!(BodyReader::new(200, &headers(&[("content-length", "0")])).is_complete());
        assert!(!BodyReader::new(200, &headers(&[])).is_complete());
    }

    #[test]
    fn chunked_whole_and_bytewise() {
        let wire = b"4\r\nWiki\r\n5;ext=1\r\npedia\r\n0\r\n\r\n";
        let te = headers(&[("Transfer-Encoding", "gzip, chunked")]);
        let mut whole = BodyReader::new(200, &te);
        whole.receive(wire);
        assert!(whole.is_complete());
        assert_eq!(whole.finish(), b"Wikipedia");

        let mut bytewise = BodyReader::new(200, &te);
        read_bytewise(&mut bytewise, wire);
        assert!(bytewise.is_complete());
        assert_eq!(bytewise.finish(), b"Wikipedia");
    }

    #[test]
    fn malformed_chunking_ends_the_body() {
        let mut reader = BodyReader::new(200, &headers(&[("transfer-encoding", "chunked")]));
        reader.receive(b"3\r\nabcXX");
        assert!(reader.is_complete());
        assert_eq!(reader.finish(), b"abc");
    }

    #[test]
    fn bodies_are_cut_at_the_limit() {
        let mut reader = BodyReader::new(200, &headers(&[("content-length", "1000000000")]));
        let chunk = vec![b'x'; MAX_BODY_LEN + 10];
        reader.receive(&chunk);
        assert!(reader.is_complete());
        assert_eq!(reader.finish().len(), MAX_BODY_LEN);

        let mut until_eof = BodyReader::new(200, &headers(&[]));
        until_eof.receive(&chunk);
        assert!(until_eof.is_complete());
    }
}
