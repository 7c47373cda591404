//! The opening handshake (RFC 6455 §4.1): writing the upgrade request, parsing the response head and checking
//! that a 101 answer really accepts our key.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;

use super::{Error, Headers, WebSocketConfig};

/// Appended to the key before hashing (RFC 6455 §1.3).
const ACCEPT_GUID: &str = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/// Largest response head accepted, status line and headers together.
pub(crate) const MAX_HEAD_LEN: usize = 64 * 1024;

/// Largest number of response headers.
const MAX_HEADERS: usize = 128;

/// The `Sec-WebSocket-Accept` value a server must answer to `key` (the base64 text sent as `Sec-WebSocket-Key`).
#[must_use]
pub fn accept_key(key: &str) -> String {
    let mut hasher = sha1_smol::Sha1::new();
    hasher.update(key.as_bytes());
    hasher.update(ACCEPT_GUID.as_bytes());
    BASE64.encode(hasher.digest().bytes())
}

/// The base64 text sent as `Sec-WebSocket-Key`.
pub(crate) fn encode_key(key: &[u8; 16]) -> String {
    BASE64.encode(key)
}

/// The upgrade request; `config` must have been validated.
pub(crate) fn encode_request(config: &WebSocketConfig, key: &str) -> Vec<u8> {
    let mut request = format!(
        "GET {} HTTP/1.1\r\nHost: {}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n",
        config.resource, config.host
    );
    for (name, value) in &config.headers {
        request.push_str(name);
        request.push_str(": ");
        request.push_str(value);
        request.push_str("\r\n");
    }
    request.push_str("\r\n");
    request.into_bytes()
}

/// A parsed status line and header block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ResponseHead {
    pub(crate) status: u16,
    pub(crate) reason: String,
    pub(crate) headers: Headers,
    /// Bytes the head took, blank line included.
    pub(crate) len: usize,
}

/// Parses the response head at the start of `buf`; `Ok(None)` means it is not complete yet (nothing consumed).
pub(crate) fn parse_response_head(buf: &[u8]) -> Result<Option<ResponseHead>, Error> {
    let mut slots = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut response = httparse::Response::new(&mut slots);
    match response.parse(buf) {
        Ok(httparse::Status::Partial) if buf.len() > MAX_HEAD_LEN => Err(head_too_long(buf.len())),
        Ok(httparse::Status::Partial) => Ok(None),
        Ok(httparse::Status::Complete(len)) if len > MAX_HEAD_LEN => Err(head_too_long(len)),
        Ok(httparse::Status::Complete(len)) => Ok(Some(ResponseHead {
            status: response.code.unwrap_or_default(),
            reason: response.reason.unwrap_or_default().to_owned(),
            headers: response
                .headers
                .iter()
                .map(|h| {
                    (
                        h.name.to_owned(),
                        String::from_utf8_lossy(h.value).into_owned(),
                    )
                })
                .collect(),
            len,
        })),
        Err(httparse::Error::TooManyHeaders) => Err(Error::Capacity {
            what: "response head",
            unit: "headers",
            size: MAX_HEADERS as u64 + 1,
            limit: MAX_HEADERS as u64,
            code: None,
        }),
        Err(_) => Err(Error::Handshake("malformed HTTP response head")),
    }
}

fn head_too_long(size: usize) -> Error {
    Error::Capacity {
        what: "response head",
        unit: "bytes",
        size: size as u64,
        limit: MAX_HEAD_LEN as u64,
        code: None,
    }
}

/// Checks a 101 response against RFC 6455 §4.1: Upgrade, Connection, Sec-WebSocket-Accept, and no extension or
/// subprotocol that the request did not offer.
pub(crate) fn check_accepted(
    headers: &Headers,
    expected_accept: &str,
    request_headers: &[(String, String)],
) -> Result<(), Error> {
    let upgrade = headers
        .get("upgrade")
        .ok_or(Error::Handshake("101 response without an Upgrade header"))?;
    if !upgrade.trim().eq_ignore_ascii_case("websocket") {
        return Err(Error::Handshake("Upgrade header is not 'websocket'"));
    }
    let connection_upgrade = headers
        .get_all("connection")
        .flat_map(|value| value.split(','))
        .any(|token| token.trim().eq_ignore_ascii_case("upgrade"));
    if !connection_upgrade {
        return Err(Error::Handshake("Connection header lacks 'upgrade'"));
    }
    match headers.get("sec-websocket-accept") {
        Some(accept) if accept.trim() == expected_accept => {}
        Some(_) => {
            return Err(Error::Handshake(
                "Sec-WebSocket-Accept does not match the key",
            ))
        }
        None => {
            return Err(Error::Handshake(
                "101 response without Sec-WebSocket-Accept",
            ))
        }
    }
    if headers
        .get_all("sec-websocket-extensions")
        .any(|value| !value.trim().is_empty())
    {
        return Err(Error::Handshake(
            "server selected an extension that was not offered",
        ));
    }
    if let Some(protocol) = headers.get("sec-websocket-protocol") {
        let offered = request_headers
            .iter()
            .filter(|(name, _)| name.eq_ignore_ascii_case("sec-websocket-protocol"))
            .flat_map(|(_, value)| value.split(','))
            .any(|offer| offer.trim() == protocol.trim());
        if !offered {
            return Err(Error::Handshake(
                "server selected a subprotocol that was not offered",
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_6455_accept_example() {
        assert_eq!(
            accept_key("dGhlIHNhbXBsZSBub25jZQ=="),
            "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
        );
        assert_eq!(encode_key(b"the sample nonce"), "dGhlIHNhbXBsZSBub25jZQ==");
    }

    #[test]
    fn request_layout() {
        let config = WebSocketConfig::new("h.example", "/ws?x=1", *b"the sample nonce", [0; 16])
            .with_header("Cookie", "a=b");
        let request = encode_request(&config, &encode_key(&config.key));
        assert_eq!(
            request,
            b"GET /ws?x=1 HTTP/1.1\r\nHost: h.example\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
              Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\
              Cookie: a=b\r\n\r\n"
        );
    }

    #[test]
    fn head_is_parsed_only_when_complete() {
        let head = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi";
        for cut in 0..head.len() - 2 {
            assert_eq!(parse_response_head(&head[..cut]), Ok(None), "cut at {cut}");
        }
        let parsed = parse_response_head(head).unwrap().unwrap();
        assert_eq!((parsed.status, parsed.reason.as_str()), (200, "OK"));
        assert_eq!(parsed.len, head.len() - 2);
        assert_eq!(parsed.headers.get("content-length"), Some("2"));
    }

    #[test]
    fn head_limits() {
        let mut huge = b"HTTP/1.1 200 OK\r\nX: ".to_vec();
        huge.resize(MAX_HEAD_LEN + 1, b'a');
        assert!(matches!(
            parse_response_head(&huge),
            Err(Error::Capacity { code: None, .. })
        ));
        let mut many = b"HTTP/1.1 200 OK\r\n".to_vec();
        for _ in 0..=MAX_HEADERS {
            many.extend_from_slice(b"X: y\r\n");
        }
        many.extend_from_slice(b"\r\n");
        let error = parse_response_head(&many).unwrap_err();
        assert!(matches!(error, Error::Capacity { .. }));
        assert_eq!(
            error.to_string(),
            format!(
                "response head of {} headers exceeds the limit of {MAX_HEADERS} headers",
                MAX_HEADERS + 1
            )
        );
        let error = parse_response_head(&huge).unwrap_err();
        assert!(error
            .to_string()
            .ends_with(&format!("exceeds the limit of {MAX_HEAD_LEN} bytes")));
        assert!(matches!(
            parse_response_head(b"SSH-2.0-OpenSSH\r\n\r\n"),
            Err(Error::Handshake(_))
        ));
    }

    #[test]
    fn acceptance_checks() {
        let accept = accept_key("dGhlIHNhbXBsZSBub25jZQ==");
        let good: Headers = [
            ("Upgrade", "WebSocket"),
            ("Connection", "keep-alive, Upgrade"),
            ("Sec-WebSocket-Accept", accept.as_str()),
        ]
        .into_iter()
        .map(|(n, v)| (n.to_owned(), v.to_owned()))
        .collect();
        assert_eq!(check_accepted(&good, &accept, &[]), Ok(()));
        let wrong = accept_key("AAAAAAAAAAAAAAAAAAAAAA==");
        assert!(check_accepted(&good, &wrong, &[]).is_err());

        let mut with_protocol = good.clone();
        with_protocol.push("Sec-WebSocket-Protocol", "chat");
        assert!(check_accepted(&with_protocol, &accept, &[]).is_err());
        let offer = [("Sec-WebSocket-Protocol".to_owned(), "v1, chat".to_owned())];
        assert_eq!(check_accepted(&with_protocol, &accept, &offer), Ok(()));

        let mut with_extension = good.clone();
        with_extension.push("Sec-WebSocket-Extensions", "permessage-deflate");
        assert!(check_accepted(&with_extension, &accept, &[]).is_err());
    }
}
