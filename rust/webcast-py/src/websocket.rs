//! `WebSocket`: the engine's sans-IO websocket client, and its events as frozen classes. Converts; decides nothing.
//!
//! Masks and the mask seed default to `os.urandom` here, at the edge, because the engine never draws randomness.

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PyString};
use webcast_engine::websocket::{self as engine, Event};

use crate::dataclass::dataclass_protocol;

/// The server accepted the upgrade (HTTP 101). TikTok puts `Handshake-Options` among `headers`.
#[pyclass(module = "tiktok_webcast._core", frozen, get_all)]
pub struct Accepted {
    headers: Vec<(String, String)>,
}

/// The server refused the upgrade: any status but 101. TikTok answers 200 with `Handshake-Msg: DEVICE_BLOCKED`
/// and `Handshake-Status: 415`. `body` is cut at 64 KiB.
#[pyclass(module = "tiktok_webcast._core", frozen, get_all)]
pub struct Rejected {
    status: u16,
    reason: String,
    headers: Vec<(String, String)>,
    body: Py<PyBytes>,
}

/// A complete message: `str` when text (`binary` false), `bytes` when binary.
#[pyclass(module = "tiktok_webcast._core", frozen, get_all)]
pub struct Message {
    data: Py<PyAny>,
    binary: bool,
}

/// A Ping from the server; the Pong is already queued in `data_to_send()`.
#[pyclass(module = "tiktok_webcast._core", frozen, get_all)]
pub struct Ping {
    data: Py<PyBytes>,
}

/// A Pong from the server.
#[pyclass(module = "tiktok_webcast._core", frozen, get_all)]
pub struct Pong {
    data: Py<PyBytes>,
}

/// The connection closed: the server's code and reason, 1005 for a Close without a code, 1006 when the transport
/// ended without a Close frame. If the server closed first, the echo is already queued in `data_to_send()`.
#[pyclass(module = "tiktok_webcast._core", frozen, get_all)]
pub struct CloseReceived {
    code: u16,
    reason: String,
}

fn header_value(headers: &[(String, String)], name: &str) -> Option<String> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.clone())
}

#[pymethods]
impl Accepted {
    #[new]
    fn new(headers: Vec<(String, String)>) -> Self {
        Accepted { headers }
    }

    /// The first value of header `name` (any case), or `None`.
    fn header(&self, name: &str) -> Option<String> {
        header_value(&self.headers, name)
    }
}

#[pymethods]
impl Rejected {
    #[new]
    #[pyo3(signature = (status, reason, headers, body = None))]
    fn new(
        py: Python<'_>,
        status: u16,
        reason: String,
        headers: Vec<(String, String)>,
        body: Option<Bound<'_, PyBytes>>,
    ) -> Self {
        let body = body.unwrap_or_else(|| PyBytes::new(py, b"")).unbind();
        Rejected {
            status,
            reason,
            headers,
            body,
        }
    }

    /// The first value of header `name` (any case), or `None`.
    fn header(&self, name: &str) -> Option<String> {
        header_value(&self.headers, name)
    }
}

#[pymethods]
impl Message {
    #[new]
    fn new(data: &Bound<'_, PyAny>, binary: bool) -> PyResult<Self> {
        let matches = if binary {
            data.is_instance_of::<PyBytes>()
        } else {
            data.is_instance_of::<PyString>()
        };
        if !matches {
            return Err(pyo3::exceptions::PyTypeError::new_err(
                "Message data must be bytes when binary, str otherwise",
            ));
        }
        Ok(Message {
            data: data.clone().unbind(),
            binary,
        })
    }
}

#[pymethods]
impl Ping {
    #[new]
    #[pyo3(signature = (data = None))]
    fn new(py: Python<'_>, data: Option<Bound<'_, PyBytes>>) -> Self {
        Ping {
            data: data.unwrap_or_else(|| PyBytes::new(py, b"")).unbind(),
        }
    }
}

#[pymethods]
impl Pong {
    #[new]
    #[pyo3(signature = (data = None))]
    fn new(py: Python<'_>, data: Option<Bound<'_, PyBytes>>) -> Self {
        Pong {
            data: data.unwrap_or_else(|| PyBytes::new(py, b"")).unbind(),
        }
    }
}

#[pymethods]
impl CloseReceived {
    #[new]
    #[pyo3(signature = (code, reason = String::new()))]
    fn new(code: u16, reason: String) -> Self {
        CloseReceived { code, reason }
    }
}

/// The field names of each event, for its dataclass protocol.
macro_rules! event_protocol {
    ($($name:ident [$($field:literal),*]),* $(,)?) => {
        $(
            impl $name {
                const FIELDS: &'static [&'static str] = &[$($field),*];
            }

            dataclass_protocol!($name);
        )*
    };
}

event_protocol!(
    Accepted["headers"],
    Rejected["status", "reason", "headers", "body"],
    Message["data", "binary"],
    Ping["data"],
    Pong["data"],
    CloseReceived["code", "reason"],
);

fn event_to_py(py: Python<'_>, event: Event) -> PyResult<Py<PyAny>> {
    let object = match event {
        Event::Accepted { headers } => Py::new(
            py,
            Accepted {
                headers: headers.into_vec(),
            },
        )?
        .into_any(),
        Event::Rejected {
            status,
            reason,
            headers,
            body,
        } => Py::new(
            py,
            Rejected {
                status,
                reason,
                headers: headers.into_vec(),
                body: PyBytes::new(py, &body).unbind(),
            },
        )?
        .into_any(),
        Event::Text(text) => Py::new(
            py,
            Message {
                data: PyString::new(py, &text).into_any().unbind(),
                binary: false,
            },
        )?
        .into_any(),
        Event::Binary(data) => Py::new(
            py,
            Message {
                data: PyBytes::new(py, &data).into_any().unbind(),
                binary: true,
            },
        )?
        .into_any(),
        Event::Ping(data) => Py::new(
            py,
            Ping {
                data: PyBytes::new(py, &data).unbind(),
            },
        )?
        .into_any(),
        Event::Pong(data) => Py::new(
            py,
            Pong {
                data: PyBytes::new(py, &data).unbind(),
            },
        )?
        .into_any(),
        Event::Closed { code, reason } => Py::new(py, CloseReceived { code, reason })?.into_any(),
    };
    Ok(object)
}

/// Maps an engine error. Remote errors carry `close_code` (the code sent to the server, or `None`).
/// The caller's mask, or the next one from the engine's generator (seeded from `os.urandom` at construction):
/// a system call per frame would cost more than the frame.
fn mask_from(inner: &mut engine::WebSocket, mask: Option<&[u8]>) -> PyResult<[u8; 4]> {
    match mask {
        Some(mask) => mask
            .try_into()
            .map_err(|_| PyValueError::new_err("mask must be exactly 4 bytes")),
        None => Ok(inner.next_mask()),
    }
}

fn random_bytes<const N: usize>(py: Python<'_>) -> PyResult<[u8; N]> {
    let bytes: Vec<u8> = py.import("os")?.call_method1("urandom", (N,))?.extract()?;
    bytes
        .try_into()
        .map_err(|_| PyValueError::new_err("os.urandom returned the wrong length"))
}

/// A sans-IO RFC 6455 websocket client.
///
/// The upgrade request is the first output of `data_to_send()`. Feed every chunk read from the transport to
/// `receive_data()`, which returns the events it completed (`Accepted`, `Rejected`, `Message`, `Ping`, `Pong`,
/// `CloseReceived`), and call `receive_eof()` when the transport ends (a refusal without Content-Length ends
/// there). After every call, write `data_to_send()` to the transport: Pong replies and Close echoes are queued
/// automatically. Masks default to `os.urandom(4)`; pass them for deterministic tests.
///
/// Errors raised by `receive_data()`/`receive_eof()` carry `events` (those completed before the error) and, for
/// `ProtocolError`/`CapacityError`, `close_code` (the Close frame queued for the server, or `None`).
#[pyclass(module = "tiktok_webcast._core", name = "WebSocket")]
pub struct PyWebSocket {
    inner: engine::WebSocket,
}

impl PyWebSocket {
    /// Drains the engine's events into a list; on error, the events are attached to the exception.
    fn drain(&mut self, py: Python<'_>, result: Result<(), engine::Error>) -> PyResult<Py<PyList>> {
        let events = self
            .inner
            .events()
            .map(|event| event_to_py(py, event))
            .collect::<PyResult<Vec<_>>>()?;
        let events = PyList::new(py, events)?;
        match result {
            Ok(()) => Ok(events.unbind()),
            Err(error) => {
                let err = crate::errors::websocket_error(py, error);
                err.value(py).setattr("events", events)?;
                Err(err)
            }
        }
    }
}

#[pymethods]
impl PyWebSocket {
    #[new]
    #[pyo3(signature = (host, resource, key, headers = Vec::new(), max_message_size = 16 * 1024 * 1024, mask_seed = None))]
    fn new(
        py: Python<'_>,
        host: String,
        resource: String,
        key: &[u8],
        headers: Vec<(String, String)>,
        max_message_size: usize,
        mask_seed: Option<&[u8]>,
    ) -> PyResult<Self> {
        let key: [u8; 16] = key
            .try_into()
            .map_err(|_| PyValueError::new_err("key must be exactly 16 bytes"))?;
        let mask_seed: [u8; 16] = match mask_seed {
            Some(seed) => seed
                .try_into()
                .map_err(|_| PyValueError::new_err("mask_seed must be exactly 16 bytes"))?,
            None => random_bytes(py)?,
        };
        let config = engine::WebSocketConfig {
            host,
            resource,
            headers,
            key,
            mask_seed,
            max_message_size,
        };
        let inner = engine::WebSocket::new(config)
            .map_err(|error| crate::errors::websocket_error(py, error))?;
        Ok(PyWebSocket { inner })
    }

    /// `connecting`, `open`, `closing`, `closed`, `rejected` or `failed`.
    #[getter]
    fn state(&self) -> &'static str {
        self.inner.state().as_str()
    }

    /// Takes bytes read from the transport; returns the events they completed. An empty chunk is not EOF: call
    /// `receive_eof()`.
    fn receive_data(&mut self, py: Python<'_>, data: &[u8]) -> PyResult<Py<PyList>> {
        let inner = &mut self.inner;
        let result = py.detach(|| inner.receive_data(data));
        self.drain(py, result)
    }

    /// Tells the client the transport ended; returns the events this completed.
    fn receive_eof(&mut self, py: Python<'_>) -> PyResult<Py<PyList>> {
        let result = self.inner.receive_eof();
        self.drain(py, result)
    }

    /// Bytes to write to the transport (empty if none): the upgrade request first, then frames.
    fn data_to_send<'py>(&mut self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.inner.poll_transmit().unwrap_or_default())
    }

    #[pyo3(signature = (data, mask = None))]
    fn send_binary(&mut self, py: Python<'_>, data: &[u8], mask: Option<&[u8]>) -> PyResult<()> {
        let mask = mask_from(&mut self.inner, mask)?;
        self.inner
            .send_binary(data, mask)
            .map_err(|error| crate::errors::websocket_error(py, error))
    }

    /// `send_binary` for each of `messages`, in order, each with the next mask of the connection's own.
    fn send_binaries(&mut self, py: Python<'_>, messages: &Bound<'_, PyList>) -> PyResult<()> {
        for message in messages.iter() {
            let data = message.cast::<PyBytes>()?;
            let mask = self.inner.next_mask();
            self.inner
                .send_binary(data.as_bytes(), mask)
                .map_err(|error| crate::errors::websocket_error(py, error))?;
        }
        Ok(())
    }

    #[pyo3(signature = (text, mask = None))]
    fn send_text(&mut self, py: Python<'_>, text: &str, mask: Option<&[u8]>) -> PyResult<()> {
        let mask = mask_from(&mut self.inner, mask)?;
        self.inner
            .send_text(text, mask)
            .map_err(|error| crate::errors::websocket_error(py, error))
    }

    /// Queues a Ping (payload at most 125 bytes).
    #[pyo3(signature = (data = b"".as_slice(), mask = None))]
    fn send_ping(&mut self, py: Python<'_>, data: &[u8], mask: Option<&[u8]>) -> PyResult<()> {
        let mask = mask_from(&mut self.inner, mask)?;
        self.inner
            .send_ping(data, mask)
            .map_err(|error| crate::errors::websocket_error(py, error))
    }

    /// Starts the closing handshake; the server's answer arrives as `CloseReceived`.
    #[pyo3(signature = (code = 1000, reason = "", mask = None))]
    fn close(
        &mut self,
        py: Python<'_>,
        code: u16,
        reason: &str,
        mask: Option<&[u8]>,
    ) -> PyResult<()> {
        let mask = mask_from(&mut self.inner, mask)?;
        self.inner
            .close(code, reason, mask)
            .map_err(|error| crate::errors::websocket_error(py, error))
    }

    fn __repr__(&self) -> String {
        format!("<WebSocket state={}>", self.inner.state())
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyWebSocket>()?;
    m.add_class::<Accepted>()?;
    m.add_class::<Rejected>()?;
    m.add_class::<Message>()?;
    m.add_class::<Ping>()?;
    m.add_class::<Pong>()?;
    m.add_class::<CloseReceived>()?;
    Ok(())
}
