//! The one seam where engine errors become Python exceptions. Every exception derives from `WebcastError`.

use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;

create_exception!(
    tiktok_webcast._core,
    WebcastError,
    PyException,
    "Base class of every error raised by tiktok_webcast."
);
create_exception!(
    tiktok_webcast._core,
    ProtocolError,
    WebcastError,
    "The peer broke the protocol (malformed frame, bad handshake)."
);
create_exception!(
    tiktok_webcast._core,
    CapacityError,
    WebcastError,
    "A size limit was exceeded before allocating."
);
create_exception!(
    tiktok_webcast._core,
    DecodeError,
    WebcastError,
    "Bytes could not be decoded as the expected protobuf message."
);
create_exception!(
    tiktok_webcast._core,
    ConnectionClosedError,
    WebcastError,
    "The websocket is closed; no more data can be sent."
);
create_exception!(
    tiktok_webcast._core,
    InvalidStateError,
    WebcastError,
    "A method was called in a state that does not allow it (local misuse)."
);

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("WebcastError", py.get_type::<WebcastError>())?;
    m.add("ProtocolError", py.get_type::<ProtocolError>())?;
    m.add("CapacityError", py.get_type::<CapacityError>())?;
    m.add("DecodeError", py.get_type::<DecodeError>())?;
    m.add(
        "ConnectionClosedError",
        py.get_type::<ConnectionClosedError>(),
    )?;
    m.add("InvalidStateError", py.get_type::<InvalidStateError>())?;
    Ok(())
}

/// A push frame or fetch body that did not decode.
pub fn decode_error(error: webcast_engine::DecodeError) -> PyErr {
    match error {
        webcast_engine::DecodeError::TooLarge { .. }
        | webcast_engine::DecodeError::Capacity { .. } => CapacityError::new_err(error.to_string()),
        other => DecodeError::new_err(other.to_string()),
    }
}

/// A websocket error: remote misbehaviour carries the close code it triggered as `close_code`.
pub fn websocket_error(py: Python<'_>, error: webcast_engine::websocket::Error) -> PyErr {
    use webcast_engine::websocket::Error as engine_error;
    let message = error.to_string();
    let err = match &error {
        engine_error::Handshake(_) | engine_error::Protocol { .. } => {
            ProtocolError::new_err(message)
        }
        engine_error::Capacity { .. } => CapacityError::new_err(message),
        engine_error::InvalidState { .. } => InvalidStateError::new_err(message),
        engine_error::Closed { .. } => ConnectionClosedError::new_err(message),
        engine_error::InvalidArgument(_) => {
            return pyo3::exceptions::PyValueError::new_err(message)
        }
    };
    if error.is_remote() {
        // Setting an attribute on a fresh exception instance cannot fail in practice; if it did, the
        // exception would still be raised without it.
        let _ = err.value(py).setattr("close_code", error.close_code());
    }
    err
}
