//! Errors of the websocket client. Remote misbehaviour (`Handshake`, `Protocol`, `Capacity`) is kept apart from
//! local misuse (`InvalidState`, `Closed`, `InvalidArgument`), as h11 does.

use super::State;

/// Everything that can go wrong in [`WebSocket`](super::WebSocket).
///
/// After a remote error ([`Error::is_remote`]) the connection is in [`State::Failed`]: a Close frame carrying
/// [`Error::close_code`] has been queued (if the connection was open) and every later `receive_data` returns the
/// same error. A local error changes nothing: the call is refused and the connection goes on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The server's answer to the upgrade request is not a valid websocket handshake (a refusal is not an error:
    /// it is reported as [`Event::Rejected`](super::Event::Rejected)).
    #[error("invalid handshake response: {0}")]
    Handshake(&'static str),

    /// The server broke RFC 6455; `code` is the close code sent to it.
    #[error("protocol error (close code {code}): {reason}")]
    Protocol { code: u16, reason: &'static str },

    /// A size limit was hit; checked before allocating. `code` is the close code sent to the server (1009), if the
    /// connection was open.
    #[error("{what} of {size} {unit} exceeds the limit of {limit} {unit}")]
    Capacity {
        what: &'static str,
        /// What `size` and `limit` count: `"bytes"`, or `"headers"` for the number of response headers.
        unit: &'static str,
        size: u64,
        limit: u64,
        code: Option<u16>,
    },

    /// The call is not allowed in the current state (sending before the handshake completed, for example).
    #[error("cannot {action} while the connection is {state}")]
    InvalidState { action: &'static str, state: State },

    /// A Close frame was already sent (or the connection failed), so nothing more can be sent.
    #[error("cannot {action}: the connection is {state}")]
    Closed { action: &'static str, state: State },

    /// An argument is unusable: a header with a line break, an unsendable close code, a reason over 123 bytes.
    #[error("invalid argument: {0}")]
    InvalidArgument(&'static str),
}

impl Error {
    /// The close code this error sent (or would send) to the server, if any.
    #[must_use]
    pub fn close_code(&self) -> Option<u16> {
        match self {
            Error::Protocol { code, .. } => Some(*code),
            Error::Capacity { code, .. } => *code,
            _ => None,
        }
    }

    /// True when the server caused the error; false for local misuse.
    #[must_use]
    pub fn is_remote(&self) -> bool {
        matches!(
            self,
            Error::Handshake(_) | Error::Protocol { .. } | Error::Capacity { .. }
        )
    }

    pub(crate) fn protocol(reason: &'static str) -> Self {
        Error::Protocol {
            code: super::close::PROTOCOL_ERROR,
            reason,
        }
    }

    pub(crate) fn invalid_payload(reason: &'static str) -> Self {
        Error::Protocol {
            code: super::close::INVALID_PAYLOAD,
            reason,
        }
    }
}
