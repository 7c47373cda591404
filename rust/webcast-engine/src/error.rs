//! Errors of the WebCast layer (push frames, fetch responses). Websocket errors live in `websocket::Error`.

/// A frame or body from the server could not be decoded. The connection may carry on with the next frame.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    /// The bytes are not a valid protobuf message of the expected type.
    #[error("malformed {what}: {source}")]
    Protobuf {
        what: &'static str,
        #[source]
        source: prost::DecodeError,
    },
    /// The bytes are not protobuf at all (a field that cannot be read).
    #[error("malformed {what}: not protobuf")]
    Wire { what: &'static str },
    /// The payload claims gzip but does not gunzip.
    #[error("payload is not valid gzip: {0}")]
    Gzip(#[source] std::io::Error),
    /// A message read through a view (`view.rs`) is not the message its schema says.
    #[error("malformed {message}: {reason}")]
    View { message: String, reason: String },
    /// Decompressing would exceed the limit; nothing beyond the limit was allocated.
    #[error("payload inflates beyond {limit} bytes")]
    TooLarge { limit: usize },
    /// Decoding would take more memory than the decode budget allows for input of this size (`budget.rs`); counted
    /// on the wire, before anything was decoded.
    #[error(
        "{what} of {encoded} bytes would decode to more than {limit} bytes (the decode budget is {} x its size + {} bytes)",
        crate::budget::BUDGET_RATIO,
        crate::budget::BUDGET_BASE
    )]
    Capacity {
        what: &'static str,
        encoded: usize,
        limit: u64,
    },
}

impl DecodeError {
    pub(crate) fn protobuf(what: &'static str) -> impl FnOnce(prost::DecodeError) -> Self {
        move |source| Self::Protobuf { what, source }
    }
}
