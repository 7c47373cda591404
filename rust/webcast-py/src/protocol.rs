//! `tiktok_webcast.protocol`'s functions: decoding and encoding push frames, fetch results, messages and the
//! client's frames. Each call crosses the boundary once; the events of a frame come back as one list.

use bytes::Bytes;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyTuple};
use webcast_engine::client_frames::{self, EnterRoom};
use webcast_engine::{FetchResponse as EngineResponse, OutgoingFrame, PushFrame as EngineFrame};

use crate::bridge::Lazy;
use crate::classes::{event_from_py, event_to_py};
use crate::dataclass::dataclass_protocol;
use crate::errors::decode_error;

/// One decoded websocket message. `payload` is inflated; `events` and the connection facts come from the fetch
/// result inside `msg` frames (other frame types leave them empty). `ack` is the frame to send back, when the
/// server asked for one.
#[pyclass(module = "tiktok_webcast._core", frozen, get_all)]
pub struct PushFrame {
    pub seq_id: i64,
    pub log_id: i64,
    pub service: i64,
    pub method: i64,
    pub headers: Py<PyTuple>,
    pub payload_encoding: String,
    pub payload_type: String,
    pub(crate) payload: Lazy<Bytes>,
    pub events: Py<PyList>,
    pub is_history: Py<PyTuple>,
    pub cursor: String,
    pub internal_ext: String,
    pub need_ack: bool,
    pub fetch_interval: i64,
    pub now: i64,
    pub fetch_type: i32,
    pub route_params: Py<PyDict>,
    pub heartbeat_duration: i64,
    pub push_server: String,
    pub is_first: bool,
    pub ack: Option<Py<PyBytes>>,
}

impl PushFrame {
    const FIELDS: &'static [&'static str] = &[
        "seq_id",
        "log_id",
        "service",
        "method",
        "headers",
        "payload_encoding",
        "payload_type",
        "payload",
        "events",
        "is_history",
        "cursor",
        "internal_ext",
        "need_ack",
        "fetch_interval",
        "now",
        "fetch_type",
        "route_params",
        "heartbeat_duration",
        "push_server",
        "is_first",
        "ack",
    ];

    fn from_engine(py: Python<'_>, frame: EngineFrame) -> PyResult<Self> {
        let ack = frame.ack().map(|ack| PyBytes::new(py, &ack).unbind());
        let response = frame.response.unwrap_or_default();
        let headers = PyTuple::new(py, frame.headers)?.unbind();
        Ok(Self {
            seq_id: frame.seq_id,
            log_id: frame.log_id,
            service: frame.service,
            method: frame.method,
            headers,
            payload_encoding: frame.payload_encoding,
            payload_type: frame.payload_type,
            payload: Lazy::new(frame.payload),
            events: events_to_list(py, response.events)?,
            is_history: PyTuple::new(py, response.history)?.unbind(),
            cursor: response.cursor,
            internal_ext: response.internal_ext,
            need_ack: response.need_ack,
            fetch_interval: response.fetch_interval,
            now: response.now,
            fetch_type: response.fetch_type,
            route_params: pairs_to_dict(py, response.route_params)?,
            heartbeat_duration: response.heartbeat_duration,
            push_server: response.push_server,
            is_first: response.is_first,
            ack,
        })
    }
}

/// A decoded fetch result: the HTTP fetch's body, or what a `msg` push frame carries.
#[pyclass(module = "tiktok_webcast._core", frozen, get_all)]
pub struct FetchResponse {
    pub events: Py<PyList>,
    pub is_history: Py<PyTuple>,
    pub cursor: String,
    pub internal_ext: String,
    pub need_ack: bool,
    pub fetch_interval: i64,
    pub now: i64,
    pub fetch_type: i32,
    pub route_params: Py<PyDict>,
    pub heartbeat_duration: i64,
    pub push_server: String,
    pub is_first: bool,
    pub history_comment_cursor: String,
    pub history_no_more: bool,
}

impl FetchResponse {
    const FIELDS: &'static [&'static str] = &[
        "events",
        "is_history",
        "cursor",
        "internal_ext",
        "need_ack",
        "fetch_interval",
        "now",
        "fetch_type",
        "route_params",
        "heartbeat_duration",
        "push_server",
        "is_first",
        "history_comment_cursor",
        "history_no_more",
    ];

    fn from_engine(py: Python<'_>, response: EngineResponse) -> PyResult<Self> {
        Ok(Self {
            events: events_to_list(py, response.events)?,
            is_history: PyTuple::new(py, response.history)?.unbind(),
            cursor: response.cursor,
            internal_ext: response.internal_ext,
            need_ack: response.need_ack,
            fetch_interval: response.fetch_interval,
            now: response.now,
            fetch_type: response.fetch_type,
            route_params: pairs_to_dict(py, response.route_params)?,
            heartbeat_duration: response.heartbeat_duration,
            push_server: response.push_server,
            is_first: response.is_first,
            history_comment_cursor: response.history_comment_cursor,
            history_no_more: response.history_no_more,
        })
    }
}

dataclass_protocol!(PushFrame, FetchResponse);

fn events_to_list(py: Python<'_>, events: Vec<webcast_engine::Event>) -> PyResult<Py<PyList>> {
    let objects = events
        .into_iter()
        .map(|event| event_to_py(py, event))
        .collect::<PyResult<Vec<_>>>()?;
    Ok(PyList::new(py, objects)?.unbind())
}

fn pairs_to_dict(py: Python<'_>, pairs: Vec<(String, String)>) -> PyResult<Py<PyDict>> {
    let dict = PyDict::new(py);
    for (key, value) in pairs {
        dict.set_item(key, value)?;
    }
    Ok(dict.unbind())
}

/// Decodes one websocket message (a `WebcastPushFrame`), inflating and decoding a `msg` payload into events.
#[pyfunction]
pub fn decode_push_frame(py: Python<'_>, data: &[u8]) -> PyResult<PushFrame> {
    let frame = py
        .detach(|| EngineFrame::decode(data))
        .map_err(decode_error)?;
    PushFrame::from_engine(py, frame)
}

/// Decodes a fetch result body (the HTTP fetch's response, `ProtoMessageFetchResult`).
#[pyfunction]
pub fn decode_fetch_response(py: Python<'_>, body: &[u8]) -> PyResult<FetchResponse> {
    let response = py
        .detach(|| EngineResponse::decode(Bytes::copy_from_slice(body)))
        .map_err(decode_error)?;
    FetchResponse::from_engine(py, response)
}

/// Decodes one message payload by its method. Never raises for bad payloads: they become `UnknownEvent`.
#[pyfunction]
pub fn decode_message(py: Python<'_>, method: &str, payload: &[u8]) -> PyResult<Py<PyAny>> {
    event_to_py(py, webcast_engine::decode_message(method, payload))
}

/// The payload of an event's message: `(method, payload)`. A `UserEvent` goes as the method its type needs.
#[pyfunction]
pub fn encode_message(py: Python<'_>, event: &Bound<'_, PyAny>) -> PyResult<(String, Py<PyBytes>)> {
    let event = event_from_py(event)?;
    Ok((
        event.wire_method().to_owned(),
        PyBytes::new(py, &event.encode()).unbind(),
    ))
}

/// Encodes a fetch result carrying `events`; `history` marks the ones that are replayed history (`is_history`).
#[pyfunction]
#[pyo3(signature = (
    events, *, cursor = "", internal_ext = "", need_ack = false, fetch_interval = 0, now = 0,
    fetch_type = 0, route_params = None, heartbeat_duration = 0, push_server = "", is_first = false,
    history_comment_cursor = "", history_no_more = false, history = None,
))]
#[allow(clippy::too_many_arguments)]
pub fn encode_fetch_response(
    py: Python<'_>,
    events: &Bound<'_, PyAny>,
    cursor: &str,
    internal_ext: &str,
    need_ack: bool,
    fetch_interval: i64,
    now: i64,
    fetch_type: i32,
    route_params: Option<std::collections::BTreeMap<String, String>>,
    heartbeat_duration: i64,
    push_server: &str,
    is_first: bool,
    history_comment_cursor: &str,
    history_no_more: bool,
    history: Option<Vec<bool>>,
) -> PyResult<Py<PyBytes>> {
    let events = events
        .try_iter()?
        .map(|event| event_from_py(&event?))
        .collect::<PyResult<Vec<_>>>()?;
    let response = EngineResponse {
        events,
        history: history.unwrap_or_default(),
        cursor: cursor.to_owned(),
        fetch_interval,
        now,
        internal_ext: internal_ext.to_owned(),
        fetch_type,
        route_params: route_params.unwrap_or_default().into_iter().collect(),
        heartbeat_duration,
        need_ack,
        push_server: push_server.to_owned(),
        is_first,
        history_comment_cursor: history_comment_cursor.to_owned(),
        history_no_more,
    };
    let body = py.detach(|| response.encode());
    Ok(PyBytes::new(py, &body).unbind())
}

/// Encodes a push frame around `payload`; with `gzip=True` the payload is compressed and a `compress_type: gzip`
/// header added, as the server does for `compress=gzip` connections.
#[pyfunction]
#[pyo3(signature = (payload, *, payload_type = "msg", log_id = 0, seq_id = 0, service = 0, method = 0, headers = None, gzip = false))]
#[allow(clippy::too_many_arguments)]
pub fn encode_push_frame(
    py: Python<'_>,
    payload: &[u8],
    payload_type: &str,
    log_id: i64,
    seq_id: i64,
    service: i64,
    method: i64,
    headers: Option<Vec<(String, String)>>,
    gzip: bool,
) -> Py<PyBytes> {
    let frame = OutgoingFrame {
        seq_id,
        log_id,
        service,
        method,
        headers: headers.unwrap_or_default(),
        payload_type,
        payload,
        gzip,
    };
    let data = py.detach(|| frame.encode());
    PyBytes::new(py, &data).unbind()
}

/// The heartbeat frame for `room_id`; `seq` counts heartbeats from 1.
#[pyfunction]
#[pyo3(signature = (room_id, seq = 1))]
pub fn encode_heartbeat(py: Python<'_>, room_id: i64, seq: i64) -> Py<PyBytes> {
    PyBytes::new(py, &client_frames::heartbeat(room_id, seq)).unbind()
}

/// The enter-room frame sent after the handshake.
#[pyfunction]
#[pyo3(signature = (room_id, *, enter_unique_id = 0, cursor = "", identity = "audience", account_type = 0))]
pub fn encode_enter_room(
    py: Python<'_>,
    room_id: i64,
    enter_unique_id: i64,
    cursor: &str,
    identity: &str,
    account_type: i64,
) -> Py<PyBytes> {
    let request = EnterRoom {
        enter_unique_id,
        cursor: cursor.to_owned(),
        identity: identity.to_owned(),
        account_type,
        ..EnterRoom::new(room_id)
    };
    PyBytes::new(py, &request.encode()).unbind()
}

/// The ack frame for a `msg` frame with `log_id` whose result carried `internal_ext`.
#[pyfunction]
pub fn encode_ack(py: Python<'_>, log_id: i64, internal_ext: &str) -> Py<PyBytes> {
    PyBytes::new(py, &client_frames::ack(log_id, internal_ext)).unbind()
}

/// Reads a heartbeat frame's payload: `(room_id, seq)`.
#[pyfunction]
pub fn decode_heartbeat(payload: &[u8]) -> PyResult<(i64, i64)> {
    client_frames::decode_heartbeat(payload).map_err(decode_error)
}

/// Reads an enter-room frame's payload: `(room_id, enter_unique_id, cursor)`.
#[pyfunction]
pub fn decode_enter_room(payload: &[u8]) -> PyResult<(i64, i64, String)> {
    let request = EnterRoom::decode(payload).map_err(decode_error)?;
    Ok((request.room_id, request.enter_unique_id, request.cursor))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PushFrame>()?;
    m.add_class::<FetchResponse>()?;
    m.add_function(wrap_pyfunction!(decode_push_frame, m)?)?;
    m.add_function(wrap_pyfunction!(decode_fetch_response, m)?)?;
    m.add_function(wrap_pyfunction!(decode_message, m)?)?;
    m.add_function(wrap_pyfunction!(encode_message, m)?)?;
    m.add_function(wrap_pyfunction!(encode_fetch_response, m)?)?;
    m.add_function(wrap_pyfunction!(encode_push_frame, m)?)?;
    m.add_function(wrap_pyfunction!(encode_heartbeat, m)?)?;
    m.add_function(wrap_pyfunction!(encode_enter_room, m)?)?;
    m.add_function(wrap_pyfunction!(encode_ack, m)?)?;
    m.add_function(wrap_pyfunction!(decode_heartbeat, m)?)?;
    m.add_function(wrap_pyfunction!(decode_enter_room, m)?)?;
    Ok(())
}
