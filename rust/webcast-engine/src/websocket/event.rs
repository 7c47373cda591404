//! What the connection reports to its caller.

/// Response headers in arrival order. Names keep the server's spelling; lookups ignore ASCII case. Values that
/// are not UTF-8 are decoded lossily.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Headers(Vec<(String, String)>);

impl Headers {
    /// The first value of `name`, compared without regard to ASCII case.
    #[must_use]
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Every value of `name`, in order.
    pub fn get_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }

    #[must_use]
    pub fn len(&self) -> usize {
        self.0.len()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    #[must_use]
    pub fn as_slice(&self) -> &[(String, String)] {
        &self.0
    }

    #[must_use]
    pub fn into_vec(self) -> Vec<(String, String)> {
        self.0
    }

    #[cfg(test)]
    pub(crate) fn push(&mut self, name: &str, value: &str) {
        self.0.push((name.to_owned(), value.to_owned()));
    }
}

impl FromIterator<(String, String)> for Headers {
    fn from_iter<I: IntoIterator<Item = (String, String)>>(iter: I) -> Self {
        Headers(iter.into_iter().collect())
    }
}

/// One thing that happened on the connection, in the order it happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// The server accepted the upgrade (101). TikTok puts `Handshake-Options` among these headers.
    Accepted { headers: Headers },
    /// The server answered the upgrade with anything but 101. TikTok refuses with `200` plus
    /// `Handshake-Msg: DEVICE_BLOCKED` and `Handshake-Status: 415`. `body` is cut at 64 KiB.
    Rejected {
        status: u16,
        reason: String,
        headers: Headers,
        body: Vec<u8>,
    },
    /// A complete text message (fragments joined, UTF-8 checked).
    Text(String),
    /// A complete binary message (fragments joined).
    Binary(Vec<u8>),
    /// A Ping; the Pong has already been queued while the connection is open.
    Ping(Vec<u8>),
    /// A Pong.
    Pong(Vec<u8>),
    /// The connection closed. `code` is the server's close code, 1005 if its Close frame had none, or 1006 if
    /// the transport ended without a Close frame. When the server closed first, the echo is already queued.
    Closed { code: u16, reason: String },
}
