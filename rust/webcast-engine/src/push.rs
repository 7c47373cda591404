//! `WebcastPushFrame`: the envelope of every websocket message (webcast.md §5.3).

use bytes::Bytes;
use prost::Message;

use crate::budget::Budget;
use crate::gzip::{gunzip, gzip, is_gzip};
use crate::response::FetchResponse;
use crate::{proto, DecodeError, MAX_INFLATED_SIZE};

/// `payload_type` of a frame that carries a fetch result.
pub const MESSAGE_PAYLOAD: &str = "msg";
const COMPRESS_HEADER: &str = "compress_type";

/// A decoded push frame. `payload` is already inflated; for `msg` frames `response` holds its decoded contents.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PushFrame {
    pub seq_id: i64,
    pub log_id: i64,
    pub service: i64,
    pub method: i64,
    pub headers: Vec<(String, String)>,
    pub payload_encoding: String,
    pub payload_type: String,
    pub payload: Bytes,
    pub response: Option<FetchResponse>,
}

impl PushFrame {
    /// Decodes one websocket message. The payload is inflated when the `compress_type` header says gzip or, since
    /// not every server sets it, when it starts with the gzip magic. The frame and, in a `msg` frame, the fetch
    /// result inside are each held to the decode budget of their size ([`crate::budget`]).
    pub fn decode(data: &[u8]) -> Result<Self, DecodeError> {
        let mut frame = Self::decode_unopened(data)?;
        if frame.payload_type == MESSAGE_PAYLOAD {
            frame.response = Some(FetchResponse::decode(frame.payload.clone())?);
        }
        Ok(frame)
    }

    /// [`PushFrame::decode`] without decoding the fetch result inside: `response` is `None`, `payload` inflated.
    pub fn decode_unopened(data: &[u8]) -> Result<Self, DecodeError> {
        Budget::new("push frame", data.len()).charge_message::<proto::WebcastPushFrame>(data)?;
        let frame =
            proto::WebcastPushFrame::decode(data).map_err(DecodeError::protobuf("push frame"))?;
        let headers: Vec<(String, String)> = frame
            .headers
            .into_iter()
            .map(|h| (h.key, h.value))
            .collect();
        let declared_gzip = headers
            .iter()
            .any(|(key, value)| key == COMPRESS_HEADER && value.eq_ignore_ascii_case("gzip"));
        // An empty payload is empty whatever the header says (a heartbeat reply on a gzip connection).
        let payload = if !frame.payload.is_empty() && (declared_gzip || is_gzip(&frame.payload)) {
            Bytes::from(gunzip(&frame.payload, MAX_INFLATED_SIZE)?)
        } else {
            frame.payload
        };
        Ok(Self {
            seq_id: frame.seq_id,
            log_id: frame.log_id,
            service: frame.service,
            method: frame.method,
            headers,
            payload_encoding: frame.payload_encoding,
            payload_type: frame.payload_type,
            payload,
            response: None,
        })
    }

    /// The ack this frame asks for, if any: only results with `need_ack` and a non-empty `internal_ext` are acked
    /// (PROTOCOL.md decision 4).
    #[must_use]
    pub fn ack(&self) -> Option<Vec<u8>> {
        let response = self.response.as_ref()?;
        (response.need_ack && !response.internal_ext.is_empty())
            .then(|| crate::client_frames::ack(self.log_id, &response.internal_ext))
    }
}

/// What a server puts in a push frame; the encoder's input.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct OutgoingFrame<'a> {
    pub seq_id: i64,
    pub log_id: i64,
    pub service: i64,
    pub method: i64,
    pub headers: Vec<(String, String)>,
    pub payload_type: &'a str,
    pub payload: &'a [u8],
    /// Gzip the payload and say so in a `compress_type: gzip` header.
    pub gzip: bool,
}

impl OutgoingFrame<'_> {
    #[must_use]
    pub fn encode(&self) -> Vec<u8> {
        let mut headers: Vec<proto::PushHeader> = self
            .headers
            .iter()
            .map(|(key, value)| proto::PushHeader {
                key: key.clone(),
                value: value.clone(),
            })
            .collect();
        let payload = if self.gzip {
            headers.push(proto::PushHeader {
                key: COMPRESS_HEADER.to_owned(),
                value: "gzip".to_owned(),
            });
            Bytes::from(gzip(self.payload))
        } else {
            Bytes::copy_from_slice(self.payload)
        };
        proto::WebcastPushFrame {
            seq_id: self.seq_id,
            log_id: self.log_id,
            service: self.service,
            method: self.method,
            headers,
            payload_encoding: "pb".to_owned(),
            payload_type: self.payload_type.to_owned(),
            payload,
        }
        .encode_to_vec()
    }
}
