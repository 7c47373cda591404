//! Gzip inside push frames (webcast.md §5.3): bounded inflate, and deflate for the encoders.

use std::io::{Read, Write};

use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use flate2::Compression;

use crate::DecodeError;

const MAGIC: [u8; 3] = [0x1f, 0x8b, 0x08];
/// WebCast payloads inflate about 6x; the buffer hint allows for far more before it grows.
const MAX_PLAUSIBLE_RATIO: usize = 32;

/// True when `data` starts with the gzip magic and the deflate method byte.
#[must_use]
pub fn is_gzip(data: &[u8]) -> bool {
    data.starts_with(&MAGIC)
}

/// Inflates `data`, failing with [`DecodeError::TooLarge`] rather than producing more than `limit` bytes.
pub fn gunzip(data: &[u8], limit: usize) -> Result<Vec<u8>, DecodeError> {
    // The trailer is the sender's word: trust it only up to a plausible ratio, so that a forged 30-byte frame
    // cannot reserve the whole limit.
    let plausible = data.len().saturating_mul(MAX_PLAUSIBLE_RATIO).max(4096);
    let mut inflated = Vec::with_capacity(expected_size(data).min(plausible).min(limit));
    let read_limit = u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1);
    GzDecoder::new(data)
        .take(read_limit)
        .read_to_end(&mut inflated)
        .map_err(DecodeError::Gzip)?;
    if inflated.len() > limit {
        return Err(DecodeError::TooLarge { limit });
    }
    Ok(inflated)
}

/// The inflated size the gzip trailer announces (ISIZE, modulo 2^32): a hint for the buffer, never trusted beyond
/// the caller's limit.
fn expected_size(data: &[u8]) -> usize {
    match data
        .len()
        .checked_sub(4)
        .and_then(|start| data.get(start..))
    {
        Some(&[a, b, c, d]) => {
            usize::try_from(u32::from_le_bytes([a, b, c, d])).unwrap_or(usize::MAX)
        }
        _ => 0,
    }
}

/// Compresses `data` as the server does for `compress=gzip` connections.
#[must_use]
pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::with_capacity(data.len() / 2 + 32), Compression::fast());
    // Writing into a Vec cannot fail.
    let _ = encoder.write_all(data);
    encoder.finish().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_detects_magic() {
        let data = b"hello webcast".repeat(100);
        let packed = gzip(&data);
        assert!(is_gzip(&packed));
        assert!(!is_gzip(&data));
        assert_eq!(gunzip(&packed, data.len()).unwrap(), data);
    }

    #[test]
    fn refuses_to_inflate_past_the_limit() {
        let bomb = gzip(&vec![0u8; 1 << 20]);
        assert!(matches!(
            gunzip(&bomb, 1000),
            Err(DecodeError::TooLarge { limit: 1000 })
        ));
    }

    #[test]
    fn truncated_gzip_is_an_error() {
        let packed = gzip(b"some bytes that compress");
        assert!(matches!(
            gunzip(&packed[..packed.len() - 6], 1 << 20),
            Err(DecodeError::Gzip(_))
        ));
    }
}
