//! What the caller decides before connecting: where to, which headers, and the key and mask material the engine
//! must not invent itself.

use super::Error;

/// Settings of one [`WebSocket`](super::WebSocket) connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebSocketConfig {
    /// Value of the `Host` header (`webcast.example.com` or `127.0.0.1:8080`).
    pub host: String,
    /// Request target: path and query, starting with `/`.
    pub resource: String,
    /// Extra request headers, sent in order after the handshake headers (Cookie, User-Agent, Origin, ...).
    /// The headers the engine writes itself (Host, Upgrade, Connection, Sec-WebSocket-Key,
    /// Sec-WebSocket-Version) and Sec-WebSocket-Extensions (no extension is implemented) are refused.
    pub headers: Vec<(String, String)>,
    /// The 16 random bytes behind `Sec-WebSocket-Key`; a fresh value per connection.
    pub key: [u8; 16],
    /// Secret seed of the masks the engine uses for frames it sends on its own (Pong, Close echo); a fresh
    /// random value per connection. Never sent.
    pub mask_seed: [u8; 16],
    /// Largest message (all fragments together) accepted from the server; larger ones fail with close 1009.
    pub max_message_size: usize,
}

impl WebSocketConfig {
    /// 16 MiB.
    pub const DEFAULT_MAX_MESSAGE_SIZE: usize = 16 * 1024 * 1024;

    /// A configuration with no extra headers and the default message size limit.
    pub fn new(
        host: impl Into<String>,
        resource: impl Into<String>,
        key: [u8; 16],
        mask_seed: [u8; 16],
    ) -> Self {
        WebSocketConfig {
            host: host.into(),
            resource: resource.into(),
            headers: Vec::new(),
            key,
            mask_seed,
            max_message_size: Self::DEFAULT_MAX_MESSAGE_SIZE,
        }
    }

    /// Appends one extra request header.
    #[must_use]
    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Sets [`max_message_size`](Self::max_message_size).
    #[must_use]
    pub fn with_max_message_size(mut self, max_message_size: usize) -> Self {
        self.max_message_size = max_message_size;
        self
    }

    /// Refuses anything that would let a value break out of its header line.
    pub(crate) fn validate(&self) -> Result<(), Error> {
        if self.host.is_empty() || !self.host.bytes().all(is_visible) {
            return Err(Error::InvalidArgument(
                "host must be non-empty visible ASCII",
            ));
        }
        if !self.resource.starts_with('/') || !self.resource.bytes().all(is_visible) {
            return Err(Error::InvalidArgument(
                "resource must start with '/' and hold visible ASCII only",
            ));
        }
        for (name, value) in &self.headers {
            if name.is_empty() || !name.bytes().all(is_token) {
                return Err(Error::InvalidArgument("header name is not an HTTP token"));
            }
            if value.bytes().any(|b| b == b'\r' || b == b'\n' || b == 0) {
                return Err(Error::InvalidArgument(
                    "header value contains CR, LF or NUL",
                ));
            }
            if ENGINE_HEADERS.iter().any(|h| h.eq_ignore_ascii_case(name)) {
                return Err(Error::InvalidArgument(
                    "header is written by the engine or names an unsupported extension",
                ));
            }
        }
        Ok(())
    }
}

const ENGINE_HEADERS: [&str; 6] = [
    "host",
    "upgrade",
    "connection",
    "sec-websocket-key",
    "sec-websocket-version",
    "sec-websocket-extensions",
];

fn is_visible(byte: u8) -> bool {
    byte.is_ascii_graphic()
}

/// RFC 9110 `tchar`.
fn is_token(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&byte)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> WebSocketConfig {
        WebSocketConfig::new("example.com", "/ws?a=1", [0; 16], [0; 16])
    }

    #[test]
    fn accepts_ordinary_settings() {
        let config = config()
            .with_header("Cookie", "a=b; c=d")
            .with_header("User-Agent", "Mozilla/5.0 (X11)");
        assert_eq!(config.validate(), Ok(()));
    }

    #[test]
    fn refuses_header_injection() {
        for bad in [
            config().with_header("X", "a\r\nHost: evil"),
            config().with_header("Bad Name", "v"),
            config().with_header("", "v"),
            config().with_header("host", "other"),
            config().with_header("Sec-WebSocket-Extensions", "permessage-deflate"),
            WebSocketConfig::new("a b", "/", [0; 16], [0; 16]),
            WebSocketConfig::new("a", "no-slash", [0; 16], [0; 16]),
            WebSocketConfig::new("a", "/x y", [0; 16], [0; 16]),
        ] {
            assert!(
                matches!(bad.validate(), Err(Error::InvalidArgument(_))),
                "{bad:?}"
            );
        }
    }
}
