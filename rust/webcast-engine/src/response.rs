//! `ProtoMessageFetchResult`: the batch of messages a push frame or the HTTP fetch carries (webcast.md §4.2).

use std::ops::Range;

use bytes::Bytes;
use prost::Message;

use crate::budget::Budget;
use crate::events::{self, Event};
use crate::protobuf::{self, Value};
use crate::{proto, DecodeError};

/// Field 1 of `ProtoMessageFetchResult`: its messages.
const MESSAGES_FIELD: u32 = 1;

/// `BaseProtoMessage` with `method` read as bytes, so that a name that is not UTF-8 costs its own message only.
/// Its tags are `BaseProtoMessage`'s (a test holds them together).
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct RawMessage {
    #[prost(bytes = "bytes", tag = "1")]
    pub method: Bytes,
    #[prost(bytes = "bytes", tag = "2")]
    pub payload: Bytes,
    #[prost(bool, tag = "6")]
    pub is_history: bool,
}

/// One message of a batch and its `is_history` flag; an error only when the batch runs out of budget.
fn decode_message(raw: Bytes, budget: &mut Budget) -> Result<(Event, bool), DecodeError> {
    let message = match RawMessage::decode(raw.clone()) {
        Ok(message) => message,
        Err(error) => {
            let error = DecodeError::protobuf("message")(error);
            return Ok((events::undecodable("", &raw, error, budget)?, false));
        }
    };
    let event = match std::str::from_utf8(&message.method) {
        Ok(method) => events::decode_within(method, &message.payload, budget)?,
        Err(_) => {
            let method = String::from_utf8_lossy(&message.method);
            let error = "the method name is not valid UTF-8";
            events::undecodable(&method, &message.payload, error, budget)?
        }
    };
    Ok((event, message.is_history))
}

/// The byte ranges of a fetch result's messages, and the result's other fields as their own message.
fn split_messages(body: &[u8]) -> Result<(Vec<Range<usize>>, Vec<u8>), protobuf::Malformed> {
    let mut messages = Vec::new();
    let mut envelope = Vec::new();
    let mut rest = body;
    while !rest.is_empty() {
        let field = protobuf::next_field(&mut rest, 0)?;
        match field.value {
            Value::Delimited(message) if field.number == MESSAGES_FIELD => {
                let end = body.len() - rest.len();
                messages.push(end - message.len()..end);
            }
            _ => envelope.extend_from_slice(field.raw),
        }
    }
    Ok((messages, envelope))
}

/// A fetch result opened down to its messages: its other fields decoded (held to their own budget), and the byte
/// ranges of its messages in `body`, which are not decoded.
pub(crate) fn open(
    body: &[u8],
) -> Result<(proto::ProtoMessageFetchResult, Vec<Range<usize>>), DecodeError> {
    let (messages, envelope) = split_messages(body).map_err(|_| DecodeError::Wire {
        what: "fetch response",
    })?;
    Budget::new("fetch response", envelope.len())
        .charge_message::<proto::ProtoMessageFetchResult>(&envelope)?;
    let result = proto::ProtoMessageFetchResult::decode(envelope.as_slice())
        .map_err(DecodeError::protobuf("fetch response"))?;
    Ok((result, messages))
}

/// A decoded fetch result: its events, already typed, and the connection facts that ride along.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FetchResponse {
    pub events: Vec<Event>,
    /// `is_history` of each event's message, in the same order: replayed recent comments, not new ones.
    pub history: Vec<bool>,
    /// Opaque resume token.
    pub cursor: String,
    /// Polling interval in milliseconds.
    pub fetch_interval: i64,
    /// Server time in milliseconds.
    pub now: i64,
    /// Opaque string echoed in acks and as a query parameter.
    pub internal_ext: String,
    /// 1 when a websocket is offered.
    pub fetch_type: i32,
    /// Extra websocket query parameters (`wrss`, `imprp`), in key order.
    pub route_params: Vec<(String, String)>,
    /// Heartbeat period in milliseconds (0: not given).
    pub heartbeat_duration: i64,
    pub need_ack: bool,
    /// Websocket base URL offered by the server.
    pub push_server: String,
    pub is_first: bool,
    pub history_comment_cursor: String,
    pub history_no_more: bool,
}

impl FetchResponse {
    /// Decodes a fetch result body: the HTTP fetch's body or a `msg` push frame's payload.
    ///
    /// The whole body is held to the decode budget ([`crate::budget`]): beyond it, or when the envelope does not
    /// decode, the result is an error. A single message that does not decode, or would take more than its own
    /// budget, becomes an [`UnknownEvent`](crate::UnknownEvent) with the error, and the other messages are delivered.
    pub fn decode(body: Bytes) -> Result<Self, DecodeError> {
        let mut budget = Budget::new("fetch response", body.len());
        budget.charge_message::<proto::ProtoMessageFetchResult>(&body)?;
        let (result, messages) = open(&body)?;
        let mut events = Vec::with_capacity(messages.len());
        let mut history = Vec::with_capacity(messages.len());
        for range in messages {
            let (event, is_history) = decode_message(body.slice(range), &mut budget)?;
            events.push(event);
            history.push(is_history);
        }
        Ok(Self {
            events,
            history,
            cursor: result.cursor,
            fetch_interval: result.fetch_interval,
            now: result.now,
            internal_ext: result.internal_ext,
            fetch_type: result.fetch_type,
            route_params: result.route_params.into_iter().collect(),
            heartbeat_duration: result.heartbeat_duration,
            need_ack: result.need_ack,
            push_server: result.push_server,
            is_first: result.is_first,
            history_comment_cursor: result.history_comment_cursor,
            history_no_more: result.history_no_more,
        })
    }

    /// Encodes the result, each event as a `BaseProtoMessage` of its method.
    #[must_use]
    pub fn encode(&self) -> Vec<u8> {
        proto::ProtoMessageFetchResult {
            messages: self
                .events
                .iter()
                .enumerate()
                .map(|(index, event)| proto::BaseProtoMessage {
                    method: event.wire_method().to_owned(),
                    payload: Bytes::from(event.encode()),
                    msg_id: event.msg_id(),
                    is_history: self.history.get(index).copied().unwrap_or(false),
                    ..Default::default()
                })
                .collect(),
            cursor: self.cursor.clone(),
            fetch_interval: self.fetch_interval,
            now: self.now,
            internal_ext: self.internal_ext.clone(),
            fetch_type: self.fetch_type,
            route_params: self.route_params.iter().cloned().collect(),
            heartbeat_duration: self.heartbeat_duration,
            need_ack: self.need_ack,
            push_server: self.push_server.clone(),
            is_first: self.is_first,
            history_comment_cursor: self.history_comment_cursor.clone(),
            history_no_more: self.history_no_more,
        }
        .encode_to_vec()
    }
}
