//! `ProtoMessageFetchResult`: the batch of messages a push frame or the HTTP fetch carries (webcast.md §4.2).

use bytes::Bytes;
use prost::Message;

use crate::events::{self, Event};
use crate::{proto, DecodeError};

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
    pub fn decode(body: Bytes) -> Result<Self, DecodeError> {
        let result = proto::ProtoMessageFetchResult::decode(body)
            .map_err(DecodeError::protobuf("fetch response"))?;
        Ok(Self {
            events: result
                .messages
                .iter()
                .map(|message| events::decode(&message.method, &message.payload))
                .collect(),
            history: result
                .messages
                .iter()
                .map(|message| message.is_history)
                .collect(),
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
