//! A tracked room's inbox: push frames and fetch results go in, their messages are held undecoded, and each is
//! decoded when it is taken. A message costs its decoding only when the consumer reads it, one decoded event is
//! alive at a time however many are held, and a held message costs its two slices of the frame it came in.
//!
//! On arrival, by each message's `common.msg_id` (read from the payload without decoding it): duplicates are dropped
//! ([`SeenIds`]), so is replayed history unless it is asked for (PROTOCOL.md decision 5), and methods without a
//! typed event unless they are asked for; a control message that ends the stream is decoded at once and said so.
//! The caller owns time (`now`, monotonic seconds) and how many messages it lets wait: it pushes frames one by one
//! and stops when enough are held.

use std::collections::VecDeque;

use bytes::Bytes;
use prost::Message;

use crate::budget::Budget;
use crate::events::{self, Event};
use crate::protobuf::{self, Value};
use crate::push::{PushFrame, MESSAGE_PAYLOAD};
use crate::response::{self, RawMessage};
use crate::seen_ids::{Limits, SeenIds};
use crate::{client_frames, DecodeError};

const CHAT_METHOD: &[u8] = b"WebcastChatMessage";
const CONTROL_METHOD: &[u8] = b"WebcastControlMessage";
/// `ControlEvent.action` of a stream that ended (3) or was suspended (4).
const STREAM_ENDED_ACTIONS: [i64; 2] = [3, 4];

/// What an [`Inbox`] lets through.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Options {
    /// Deliver the recent comments a (re)connect replays, flagged `is_history`.
    pub include_history: bool,
    /// Deliver [`UnknownEvent`](crate::UnknownEvent)s: methods without a typed event, and payloads that do not
    /// decode. Counted either way.
    pub keep_unknown: bool,
    pub seen: Limits,
}

/// Running totals of an [`Inbox`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Push frames taken in, undecodable ones included.
    pub frames: u64,
    /// Acks asked for by those frames.
    pub acks: u64,
    /// Messages held for delivery (less those found undecodable when taken and not delivered).
    pub events: u64,
    pub duplicates: u64,
    /// Replayed history dropped.
    pub history: u64,
    /// Push frames or fetch results that did not decode.
    pub decode_errors: u64,
    /// Unknown events, delivered or not.
    pub unknown: u64,
}

/// What one call took in, for the caller to act on.
#[derive(Debug, Default)]
pub struct Intake {
    /// Push frames taken in.
    pub frames: usize,
    /// The acks to send, in order (PROTOCOL.md decision 4).
    pub acks: Vec<Vec<u8>>,
    /// Fetch results among them (`msg` frames).
    pub results: usize,
    /// Whether the first fetch result carried replayed history.
    pub first_has_history: Option<bool>,
    /// `cursor` and `internal_ext` of the last fetch result: where a resume starts.
    pub resume: Option<(String, String)>,
    /// A control message said the stream ended: it is held, with the rest of its frame (later frames are the
    /// caller's to drop).
    pub ended: bool,
    /// Why frames were dropped as undecodable.
    pub errors: Vec<DecodeError>,
}

/// One message held: the slices of its method and payload in the frame it came in.
#[derive(Debug)]
struct Held {
    method: Bytes,
    payload: Bytes,
    /// The message itself did not decode: `payload` is all of its bytes, and `method` is empty.
    malformed: bool,
    /// Its method has a typed event.
    typed: bool,
}

impl Held {
    fn decode(&self) -> Event {
        if self.malformed {
            let error = RawMessage::decode(self.payload.clone())
                .err()
                .map(|error| DecodeError::protobuf("message")(error).to_string());
            return events::unknown("", &self.payload, error);
        }
        match std::str::from_utf8(&self.method) {
            Ok(method) => events::decode_bytes(method, &self.payload),
            Err(_) => {
                let method = String::from_utf8_lossy(&self.method);
                let error = "the method name is not valid UTF-8".to_owned();
                events::unknown(&method, &self.payload, Some(error))
            }
        }
    }

    fn method_name(&self) -> String {
        String::from_utf8_lossy(&self.method).into_owned()
    }
}

/// See the module's documentation.
#[derive(Debug)]
pub struct Inbox {
    options: Options,
    seen: SeenIds,
    held: VecDeque<Held>,
    counts: Counts,
    /// Methods of unknown events counted and not yet handed to the caller.
    unknown_methods: Vec<String>,
}

impl Inbox {
    #[must_use]
    pub fn new(options: Options) -> Self {
        Inbox {
            options,
            seen: SeenIds::new(options.seen),
            held: VecDeque::new(),
            counts: Counts::default(),
            unknown_methods: Vec::new(),
        }
    }

    /// Takes in one websocket message (a push frame) received at `now`.
    pub fn push_frame(&mut self, data: &[u8], now: f64, intake: &mut Intake) {
        intake.frames += 1;
        self.counts.frames += 1;
        if let Err(error) = self.open_frame(data, now, intake) {
            self.counts.decode_errors += 1;
            intake.errors.push(error);
        }
    }

    fn open_frame(
        &mut self,
        data: &[u8],
        now: f64,
        intake: &mut Intake,
    ) -> Result<(), DecodeError> {
        let frame = PushFrame::decode_unopened(data)?;
        if frame.payload_type != MESSAGE_PAYLOAD {
            return Ok(());
        }
        let log_id = frame.log_id;
        let (need_ack, internal_ext) = self.take_result(frame.payload, now, intake)?;
        if need_ack && !internal_ext.is_empty() {
            self.counts.acks += 1;
            intake.acks.push(client_frames::ack(log_id, &internal_ext));
        }
        Ok(())
    }

    /// Takes in a fetch result's body (the HTTP fetch's, or the signer's) received at `now`. An error holds and
    /// remembers nothing (it is counted in `decode_errors`).
    pub fn push_fetch(&mut self, body: Bytes, now: f64) -> Result<Intake, DecodeError> {
        let mut intake = Intake::default();
        if let Err(error) = self.take_result(body, now, &mut intake) {
            self.counts.decode_errors += 1;
            return Err(error);
        }
        Ok(intake)
    }

    /// Holds the messages of a fetch result; gives its `need_ack` and `internal_ext`.
    fn take_result(
        &mut self,
        body: Bytes,
        now: f64,
        intake: &mut Intake,
    ) -> Result<(bool, String), DecodeError> {
        let (result, ranges) = response::open(&body)?;
        // What is held is a slice pair per message: charged like decoding, so a frame of empty messages is bounded.
        let mut budget = Budget::new("fetch response", body.len());
        budget.charge((ranges.len() * std::mem::size_of::<Held>()) as u64)?;
        self.seen.expire(now);
        let mut any_history = false;
        for range in ranges {
            any_history |= self.take_message(body.slice(range), now, &mut intake.ended);
        }
        intake.results += 1;
        intake.first_has_history.get_or_insert(any_history);
        intake.resume = Some((result.cursor, result.internal_ext.clone()));
        Ok((result.need_ack, result.internal_ext))
    }

    /// Holds one message unless it is dropped; gives its `is_history`.
    fn take_message(&mut self, raw: Bytes, now: f64, ended: &mut bool) -> bool {
        let (held, is_history) = match RawMessage::decode(raw.clone()) {
            Ok(message) => {
                let typed = std::str::from_utf8(&message.method).is_ok_and(events::is_typed);
                let held = Held {
                    method: message.method,
                    payload: message.payload,
                    malformed: false,
                    typed,
                };
                (held, message.is_history)
            }
            Err(_) => {
                let held = Held {
                    method: Bytes::new(),
                    payload: raw,
                    malformed: true,
                    typed: false,
                };
                (held, false)
            }
        };
        let msg_id = if held.malformed {
            0
        } else {
            common_msg_id(&held.payload)
        };
        let comment = held.method == CHAT_METHOD;
        let first_time = self.seen.first_time(msg_id, comment, now);
        if is_history && !self.options.include_history {
            if first_time {
                self.counts.history += 1;
            } else {
                self.counts.duplicates += 1;
            }
            return true;
        }
        if !first_time {
            self.counts.duplicates += 1;
            return is_history;
        }
        if !held.typed {
            self.counts.unknown += 1;
            self.unknown_methods.push(held.method_name());
            if !self.options.keep_unknown {
                return is_history;
            }
        }
        if held.method == CONTROL_METHOD {
            if let Event::ControlEvent(control) = held.decode() {
                *ended |= STREAM_ENDED_ACTIONS.contains(&control.action);
            }
        }
        self.counts.events += 1;
        self.held.push_back(held);
        is_history
    }

    /// The next held message, decoded; `None` when none is held. A typed message that does not decode is an
    /// unknown event: counted, and skipped unless unknown events are kept.
    pub fn take(&mut self) -> Option<Event> {
        while let Some(held) = self.held.pop_front() {
            let event = held.decode();
            if held.typed && matches!(event, Event::Unknown(_)) {
                self.counts.unknown += 1;
                self.unknown_methods.push(held.method_name());
                if !self.options.keep_unknown {
                    self.counts.events -= 1;
                    continue;
                }
            }
            return Some(event);
        }
        None
    }

    /// Messages held.
    #[must_use]
    pub fn len(&self) -> usize {
        self.held.len()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.held.is_empty()
    }

    /// Drops what is held.
    pub fn clear(&mut self) {
        self.held.clear();
    }

    #[must_use]
    pub fn counts(&self) -> Counts {
        self.counts
    }

    /// The methods of the unknown events counted since the last call, in order.
    pub fn take_unknown_methods(&mut self) -> Vec<String> {
        std::mem::take(&mut self.unknown_methods)
    }
}

/// `common.msg_id` of a message payload (field 2 of field 1), read without decoding it; 0 when there is none, or
/// the header is malformed before it. Read from the first header: prost would merge a repeated one (no real payload
/// has one), so such a payload's event may carry another id than the one it was filtered by.
#[must_use]
pub fn common_msg_id(payload: &[u8]) -> i64 {
    const MSG_ID_KEY: u64 = 2 << 3; // field 2, varint
    let mut rest = payload;
    while !rest.is_empty() {
        let Ok(field) = protobuf::next_field(&mut rest, 0) else {
            return 0;
        };
        let (1, Value::Delimited(mut common)) = (field.number, field.value) else {
            continue;
        };
        let mut msg_id = 0;
        while !common.is_empty() {
            let mut value = common;
            if matches!(protobuf::varint(&mut value), Ok(MSG_ID_KEY)) {
                let Ok(id) = protobuf::varint(&mut value) else {
                    break;
                };
                // int64 on the wire: the varint's bits are the two's complement.
                msg_id = id as i64;
                common = value;
            } else if protobuf::next_field(&mut common, 1).is_err() {
                break;
            }
        }
        return msg_id;
    }
    0
}
