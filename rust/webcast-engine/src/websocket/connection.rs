//! The client connection state machine: one table from (phase, input) to (phase, events, bytes to send).
//!
//! | phase              | input                      | next phase         | output                               |
//! |--------------------|----------------------------|--------------------|--------------------------------------|
//! | AwaitingResponse   | 101 head, valid            | Open               | `Accepted`                           |
//! | AwaitingResponse   | 101 head, invalid          | Failed             | `Err(Handshake)`                     |
//! | AwaitingResponse   | other head                 | ReadingRefusal     |                                      |
//! | AwaitingResponse   | EOF                        | Failed             | `Err(Handshake)`                     |
//! | ReadingRefusal     | body complete, or EOF      | Rejected           | `Rejected`                           |
//! | Open               | data frame                 | Open               | `Text` / `Binary` when complete      |
//! | Open, Closing      | Ping                       | same               | `Ping` (+ Pong queued when Open)     |
//! | Open, Closing      | Pong                       | same               | `Pong`                               |
//! | Open               | Close                      | Closed             | `Closed`, echo queued                |
//! | Closing            | Close                      | Closed             | `Closed`                             |
//! | Open, Closing      | EOF                        | Closed             | `Closed { code: 1006 }`              |
//! | Open               | `close()`                  | Closing            | Close queued                         |
//! | any open phase     | bad frame / over the limit | Failed             | Close 1002/1007/1009 queued, `Err`   |
//! | Closed, Rejected   | anything                   | same               | input discarded                      |
//! | Failed             | data                       | Failed             | the same `Err` again                 |

use std::collections::VecDeque;

/// Input buffer capacity kept between reads; more is released once the buffer is mostly drained.
const RETAINED_INPUT_CAPACITY: usize = 16 * 1024;

use super::body::BodyReader;
use super::frame::{self, FrameHeader, OpCode};
use super::handshake::{self, ResponseHead};
use super::mask::MaskGenerator;
use super::message::Reassembly;
use super::{close, Error, Event, WebSocketConfig};

/// Where the connection stands, as seen by the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum State {
    /// The upgrade request is queued or sent; the response has not been read completely.
    Connecting,
    /// Messages flow both ways.
    Open,
    /// We sent a Close frame and wait for the server's.
    Closing,
    /// Both Close frames were exchanged, or the transport ended: close the transport.
    Closed,
    /// The server refused the upgrade ([`Event::Rejected`]).
    Rejected,
    /// The server broke the protocol; a Close frame may be queued; close the transport after sending it.
    Failed,
}

impl State {
    /// Lower-case name: `connecting`, `open`, `closing`, `closed`, `rejected`, `failed`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            State::Connecting => "connecting",
            State::Open => "open",
            State::Closing => "closing",
            State::Closed => "closed",
            State::Rejected => "rejected",
            State::Failed => "failed",
        }
    }
}

impl std::fmt::Display for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug)]
enum Phase {
    AwaitingResponse,
    ReadingRefusal(Box<Refusal>),
    Open,
    Closing,
    Closed,
    Rejected,
    Failed(Error),
}

#[derive(Debug)]
struct Refusal {
    head: ResponseHead,
    body: BodyReader,
}

/// A sans-IO RFC 6455 websocket client: bytes in, events and bytes out. It never reads a clock, draws randomness
/// or touches a socket.
///
/// Calling order:
/// 1. [`WebSocket::new`] queues the upgrade request; send what [`poll_transmit`](Self::poll_transmit) returns.
/// 2. Feed every byte read from the transport to [`receive_data`](Self::receive_data), and the end of the
///    stream to [`receive_eof`](Self::receive_eof); after each call drain [`events`](Self::events) (or
///    [`poll_event`](Self::poll_event)) and send what `poll_transmit` returns (Pong replies and Close echoes
///    are queued automatically).
/// 3. Once [`Event::Accepted`] arrived, send with [`send_text`](Self::send_text),
///    [`send_binary`](Self::send_binary) and [`send_ping`](Self::send_ping), and end with
///    [`close`](Self::close); each takes the 4-byte mask key of its frame.
/// 4. Close the transport when the state is [`State::Closed`], [`State::Rejected`] or [`State::Failed`], after
///    sending what `poll_transmit` still returns.
#[derive(Debug)]
pub struct WebSocket {
    phase: Phase,
    /// Received bytes not consumed yet: a partial response head or frame.
    input: Vec<u8>,
    output: Vec<u8>,
    events: VecDeque<Event>,
    message: Reassembly,
    masks: MaskGenerator,
    expected_accept: String,
    request_headers: Vec<(String, String)>,
    max_message_size: usize,
}

impl WebSocket {
    /// Checks `config` and queues the upgrade request.
    pub fn new(config: WebSocketConfig) -> Result<Self, Error> {
        config.validate()?;
        let key = handshake::encode_key(&config.key);
        let request = handshake::encode_request(&config, &key);
        Ok(WebSocket {
            phase: Phase::AwaitingResponse,
            input: Vec::new(),
            output: request,
            events: VecDeque::new(),
            message: Reassembly::default(),
            masks: MaskGenerator::new(config.mask_seed),
            expected_accept: handshake::accept_key(&key),
            request_headers: config.headers,
            max_message_size: config.max_message_size,
        })
    }

    #[must_use]
    pub fn state(&self) -> State {
        match self.phase {
            Phase::AwaitingResponse | Phase::ReadingRefusal(_) => State::Connecting,
            Phase::Open => State::Open,
            Phase::Closing => State::Closing,
            Phase::Closed => State::Closed,
            Phase::Rejected => State::Rejected,
            Phase::Failed(_) => State::Failed,
        }
    }

    /// Takes bytes read from the transport. Events are queued for [`events`](Self::events); on a remote error
    /// the events before it stay queued, a Close frame is queued when the connection was open, and the
    /// connection is [`State::Failed`]. Input after the connection closed or was rejected is ignored.
    pub fn receive_data(&mut self, data: &[u8]) -> Result<(), Error> {
        match &self.phase {
            Phase::Failed(error) => return Err(error.clone()),
            Phase::Closed | Phase::Rejected => return Ok(()),
            _ => {}
        }
        // Only a line feed can complete a response head: avoid re-parsing it for every other byte.
        let head_may_be_complete =
            !matches!(self.phase, Phase::AwaitingResponse) || data.contains(&b'\n');
        self.input.extend_from_slice(data);
        if !head_may_be_complete && self.input.len() <= handshake::MAX_HEAD_LEN {
            return Ok(());
        }
        let input = std::mem::take(&mut self.input);
        let mut consumed = 0;
        let result = loop {
            let rest = input.get(consumed..).unwrap_or_default();
            let step = match self.phase {
                Phase::AwaitingResponse => self.read_response_head(rest),
                Phase::ReadingRefusal(_) => Ok(self.read_refusal_body(rest)),
                Phase::Open | Phase::Closing => self.read_frame(rest),
                Phase::Closed | Phase::Rejected | Phase::Failed(_) => {
                    consumed = input.len();
                    break Ok(());
                }
            };
            match step {
                Ok(Some(used)) => consumed += used,
                Ok(None) => break Ok(()),
                Err(error) => break Err(error),
            }
        };
        match result {
            Ok(()) => {
                self.keep_unconsumed(input, consumed);
                Ok(())
            }
            Err(error) => {
                self.fail(error.clone());
                Err(error)
            }
        }
    }

    /// Tells the engine the transport ended. Before the response head this is a handshake error; during a
    /// refusal it completes the body (responses without Content-Length end this way); while open it reports
    /// `Closed { code: 1006 }`. Idempotent.
    pub fn receive_eof(&mut self) -> Result<(), Error> {
        match std::mem::replace(&mut self.phase, Phase::Closed) {
            Phase::AwaitingResponse => {
                let error = Error::Handshake("connection closed before the handshake response");
                self.fail(error.clone());
                Err(error)
            }
            Phase::ReadingRefusal(refusal) => {
                self.reject(*refusal);
                Ok(())
            }
            Phase::Open | Phase::Closing => {
                self.input.clear();
                self.events.push_back(Event::Closed {
                    code: close::ABNORMAL_CLOSURE,
                    reason: String::new(),
                });
                Ok(())
            }
            phase @ (Phase::Closed | Phase::Rejected | Phase::Failed(_)) => {
                self.phase = phase;
                Ok(())
            }
        }
    }

    /// The next event, oldest first.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// Drains every queued event, oldest first.
    #[must_use]
    pub fn events(&mut self) -> std::collections::vec_deque::Drain<'_, Event> {
        self.events.drain(..)
    }

    /// Bytes to write to the transport, if any: the upgrade request, frames, Pong replies, Close frames.
    #[must_use]
    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        if self.output.is_empty() {
            None
        } else {
            Some(std::mem::take(&mut self.output))
        }
    }

    /// Queues a text message as one frame masked with `mask`.
    /// A mask from the generator seeded with the caller's `mask_seed` (the one the engine uses for the frames it
    /// sends by itself), for callers that have no per-frame randomness at hand.
    #[must_use]
    pub fn next_mask(&mut self) -> [u8; 4] {
        self.masks.next_mask()
    }

    pub fn send_text(&mut self, text: &str, mask: [u8; 4]) -> Result<(), Error> {
        self.ensure_open("send a message")?;
        frame::encode_client_frame(&mut self.output, OpCode::Text, text.as_bytes(), mask);
        Ok(())
    }

    /// Queues a binary message as one frame masked with `mask`.
    pub fn send_binary(&mut self, data: &[u8], mask: [u8; 4]) -> Result<(), Error> {
        self.ensure_open("send a message")?;
        frame::encode_client_frame(&mut self.output, OpCode::Binary, data, mask);
        Ok(())
    }

    /// Queues a Ping with at most 125 bytes of payload.
    pub fn send_ping(&mut self, data: &[u8], mask: [u8; 4]) -> Result<(), Error> {
        if data.len() > frame::MAX_CONTROL_PAYLOAD {
            return Err(Error::InvalidArgument("ping payload over 125 bytes"));
        }
        self.ensure_open("send a ping")?;
        frame::encode_client_frame(&mut self.output, OpCode::Ping, data, mask);
        Ok(())
    }

    /// Starts the closing handshake: queues a Close frame with `code` (see [`close::is_sendable`]) and a reason
    /// of at most 123 bytes. The server's Close arrives later as [`Event::Closed`].
    pub fn close(&mut self, code: u16, reason: &str, mask: [u8; 4]) -> Result<(), Error> {
        if !close::is_sendable(code) {
            return Err(Error::InvalidArgument("close code may not be sent"));
        }
        if reason.len() > close::MAX_REASON_LEN {
            return Err(Error::InvalidArgument("close reason over 123 bytes"));
        }
        self.ensure_open("close")?;
        let payload = close::encode_payload(Some(code), reason);
        frame::encode_client_frame(&mut self.output, OpCode::Close, &payload, mask);
        self.phase = Phase::Closing;
        Ok(())
    }

    fn ensure_open(&self, action: &'static str) -> Result<(), Error> {
        let state = self.state();
        match state {
            State::Open => Ok(()),
            State::Connecting | State::Rejected => Err(Error::InvalidState { action, state }),
            State::Closing | State::Closed | State::Failed => Err(Error::Closed { action, state }),
        }
    }

    /// Enters `Failed`, telling an open server why with a Close frame.
    fn fail(&mut self, error: Error) {
        if let (Phase::Open, Some(code)) = (&self.phase, error.close_code()) {
            let reason = match &error {
                Error::Protocol { reason, .. } => reason,
                _ => "message too big",
            };
            let reason = reason.get(..close::MAX_REASON_LEN).unwrap_or(reason);
            self.queue_control(OpCode::Close, &close::encode_payload(Some(code), reason));
        }
        self.input = Vec::new();
        self.message = Reassembly::default();
        self.phase = Phase::Failed(error);
    }

    /// Queues a frame the engine sends on its own, masked from the seeded generator.
    fn queue_control(&mut self, opcode: OpCode, payload: &[u8]) {
        let mask = self.masks.next_mask();
        frame::encode_client_frame(&mut self.output, opcode, payload, mask);
    }

    fn reject(&mut self, refusal: Refusal) {
        let Refusal { head, body } = refusal;
        self.events.push_back(Event::Rejected {
            status: head.status,
            reason: head.reason,
            headers: head.headers,
            body: body.finish(),
        });
        self.input = Vec::new();
        self.phase = Phase::Rejected;
    }

    /// Returns the bytes consumed, or `None` when the head is incomplete.
    /// Keeps the bytes after `consumed` for the next call. A burst or one large frame grows the buffer; it is given
    /// back once mostly drained, so a connection does not hold its largest read for life (measured before: 250
    /// rooms kept 16 MiB after one 64 KiB read each, 20 rooms 20 MiB after one 1 MiB frame each).
    fn keep_unconsumed(&mut self, mut input: Vec<u8>, consumed: usize) {
        input.drain(..consumed);
        if input.capacity() > RETAINED_INPUT_CAPACITY && input.len() <= input.capacity() / 4 {
            input.shrink_to(input.len());
        }
        self.input = input;
    }

    fn read_response_head(&mut self, input: &[u8]) -> Result<Option<usize>, Error> {
        let Some(head) = handshake::parse_response_head(input)? else {
            return Ok(None);
        };
        let used = head.len;
        if head.status == 101 {
            handshake::check_accepted(&head.headers, &self.expected_accept, &self.request_headers)?;
            self.events.push_back(Event::Accepted {
                headers: head.headers,
            });
            self.phase = Phase::Open;
        } else {
            let body = BodyReader::new(head.status, &head.headers);
            let refusal = Refusal { head, body };
            if refusal.body.is_complete() {
                self.reject(refusal);
            } else {
                self.phase = Phase::ReadingRefusal(Box::new(refusal));
            }
        }
        Ok(Some(used))
    }

    /// Returns the bytes consumed, or `None` when more are needed.
    fn read_refusal_body(&mut self, input: &[u8]) -> Option<usize> {
        let Phase::ReadingRefusal(refusal) = &mut self.phase else {
            return None;
        };
        let used = refusal.body.receive(input);
        if refusal.body.is_complete() {
            if let Phase::ReadingRefusal(refusal) =
                std::mem::replace(&mut self.phase, Phase::Closed)
            {
                self.reject(*refusal);
            }
            return Some(used);
        }
        (used > 0).then_some(used)
    }

    /// Reads one frame; returns the bytes consumed, or `None` when the frame is incomplete. Every limit is
    /// checked on the header, before the payload is waited for or copied.
    fn read_frame(&mut self, input: &[u8]) -> Result<Option<usize>, Error> {
        let Some(header) = frame::parse_header(input)? else {
            return Ok(None);
        };
        if !header.opcode.is_control() {
            self.message.check_order(header.opcode)?;
            let size = (self.message.len() as u64).saturating_add(header.payload_len);
            if size > self.max_message_size as u64 {
                return Err(Error::Capacity {
                    what: "message",
                    unit: "bytes",
                    size,
                    limit: self.max_message_size as u64,
                    code: Some(close::MESSAGE_TOO_BIG),
                });
            }
        }
        let frame_len = usize::try_from(header.payload_len)
            .ok()
            .and_then(|len| len.checked_add(header.header_len))
            .ok_or(Error::protocol("frame length overflows the address space"))?;
        let Some(payload) = input.get(header.header_len..frame_len) else {
            return Ok(None);
        };
        self.handle_frame(header, payload)?;
        Ok(Some(frame_len))
    }

    fn handle_frame(&mut self, header: FrameHeader, payload: &[u8]) -> Result<(), Error> {
        match header.opcode {
            OpCode::Continuation | OpCode::Text | OpCode::Binary => {
                if let Some(event) = self.message.push(header.opcode, header.fin, payload)? {
                    self.events.push_back(event);
                }
            }
            OpCode::Ping => {
                if matches!(self.phase, Phase::Open) {
                    self.queue_control(OpCode::Pong, payload);
                }
                self.events.push_back(Event::Ping(payload.to_vec()));
            }
            OpCode::Pong => self.events.push_back(Event::Pong(payload.to_vec())),
            OpCode::Close => {
                let (code, reason) = close::parse_payload(payload)?;
                if matches!(self.phase, Phase::Open) {
                    let echo = (code != close::NO_STATUS_RECEIVED).then_some(code);
                    self.queue_control(OpCode::Close, &close::encode_payload(echo, ""));
                }
                self.phase = Phase::Closed;
                self.events.push_back(Event::Closed { code, reason });
            }
        }
        Ok(())
    }
}

/// Compile-time check that the connection can move between threads (the Python binding needs it).
const _: fn() = || {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<WebSocket>();
};

#[cfg(test)]
mod tests {
    use super::*;

    fn open() -> WebSocket {
        let key = *b"the sample nonce";
        let mut ws =
            WebSocket::new(WebSocketConfig::new("h.example", "/ws/", key, [9; 16])).unwrap();
        let _request = ws.poll_transmit();
        let accept = handshake::accept_key(&handshake::encode_key(&key));
        let head = format!(
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Accept: {accept}\r\n\r\n"
        );
        ws.receive_data(head.as_bytes()).unwrap();
        assert_eq!(ws.state(), State::Open);
        ws
    }

    fn binary_frame(len: usize) -> Vec<u8> {
        let mut frame = vec![0x82, 127];
        frame.extend_from_slice(&(len as u64).to_be_bytes());
        frame.resize(frame.len() + len, 7);
        frame
    }

    #[test]
    fn a_large_frame_does_not_pin_its_buffer() {
        let mut ws = open();
        let frame = binary_frame(1 << 20);
        let (first, rest) = frame.split_at(1000);
        ws.receive_data(first).unwrap();
        ws.receive_data(rest).unwrap();
        assert!(ws.events().any(|event| matches!(event, Event::Binary(_))));
        assert!(
            ws.input.capacity() <= RETAINED_INPUT_CAPACITY,
            "{}",
            ws.input.capacity()
        );
    }

    #[test]
    fn a_partial_frame_after_a_big_read_is_kept() {
        let mut ws = open();
        let mut bytes = binary_frame(200_000);
        let next = binary_frame(100);
        bytes.extend_from_slice(&next[..50]);
        ws.receive_data(&bytes).unwrap();
        assert_eq!(ws.input.len(), 50);
        assert!(ws.input.capacity() <= RETAINED_INPUT_CAPACITY);
        ws.receive_data(&next[50..]).unwrap();
        assert_eq!(
            ws.events()
                .filter(|event| matches!(event, Event::Binary(_)))
                .count(),
            2
        );
    }
}
