//! The one seam where engine errors become Python exceptions. Every exception derives from `WebcastError`.

use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;

create_exception!(tiktok_webcast._core, WebcastError, PyException, "Base class of every error raised by tiktok_webcast.");
create_exception!(tiktok_webcast._core, ProtocolError, WebcastError, "The peer broke the protocol (malformed frame, bad handshake).");
create_exception!(tiktok_webcast._core, CapacityError, WebcastError, "A size limit was exceeded before allocating.");
create_exception!(tiktok_webcast._core, DecodeError, WebcastError, "Bytes could not be decoded as the expected protobuf message.");
create_exception!(tiktok_webcast._core, ConnectionClosedError, WebcastError, "The websocket is closed; no more data can be sent.");
create_exception!(tiktok_webcast._core, InvalidStateError, WebcastError, "A method was called in a state that does not allow it (local misuse).");

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("WebcastError", py.get_type::<WebcastError>())?;
    m.add("ProtocolError", py.get_type::<ProtocolError>())?;
    m.add("CapacityError", py.get_type::<CapacityError>())?;
    m.add("DecodeError", py.get_type::<DecodeError>())?;
    m.add("ConnectionClosedError", py.get_type::<ConnectionClosedError>())?;
    m.add("InvalidStateError", py.get_type::<InvalidStateError>())?;
    Ok(())
}

/// A push frame or fetch body that did not decode.
pub fn decode_error(error: webcast_engine::DecodeError) -> PyErr {
    match error {
        webcast_engine::DecodeError::TooLarge { .. } => CapacityError::new_err(error.to_string()),
        other => DecodeError::new_err(other.to_string()),
    }
}
