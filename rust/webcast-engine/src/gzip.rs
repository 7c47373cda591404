//! Gzip inside push frames (webcast.md §5.3): bounded inflate (libdeflate, one reusable decompressor per thread),
//! and deflate for the encoders.

use std::cell::RefCell;
use std::io::Write;

use flate2::write::GzEncoder;
use flate2::Compression;
use libdeflater::{DecompressionError, Decompressor};

use crate::DecodeError;

const MAGIC: [u8; 3] = [0x1f, 0x8b, 0x08];
/// WebCast payloads inflate about 6x; the buffer hint allows for far more before it grows.
const MAX_PLAUSIBLE_RATIO: usize = 32;

/// True when `data` starts with the gzip magic and the deflate method byte.
#[must_use]
pub fn is_gzip(data: &[u8]) -> bool {
    data.starts_with(&MAGIC)
}

thread_local! {
    // libdeflate's decompressor keeps its tables between calls; making one costs more than a small frame's inflate.
    static DECOMPRESSOR: RefCell<Decompressor> = RefCell::new(Decompressor::new());
}

/// Inflates `data`, failing with [`DecodeError::TooLarge`] rather than producing more than `limit` bytes.
pub fn gunzip(data: &[u8], limit: usize) -> Result<Vec<u8>, DecodeError> {
    // libdeflate inflates into a buffer of a size given up front. The trailer announces the size, but it is the
    // sender's word: trust it only up to a plausible ratio, so that a forged 30-byte frame cannot reserve the
    // whole limit; a buffer too small is doubled, up to the limit.
    let plausible = data.len().saturating_mul(MAX_PLAUSIBLE_RATIO).max(4096);
    let mut size = expected_size(data).min(plausible).min(limit);
    DECOMPRESSOR.with(|decompressor| {
        let mut decompressor = decompressor.borrow_mut();
        loop {
            let mut inflated = vec![0; size];
            match decompressor.gzip_decompress(data, &mut inflated) {
                Ok(length) => {
                    inflated.truncate(length);
                    return Ok(inflated);
                }
                Err(DecompressionError::InsufficientSpace) if size < limit => {
                    size = size.saturating_mul(2).clamp(1, limit);
                }
                Err(DecompressionError::InsufficientSpace) => {
                    return Err(DecodeError::TooLarge { limit })
                }
                Err(DecompressionError::BadData) => {
                    return Err(DecodeError::Gzip(std::io::Error::new(
                        std::io::ErrorKind::InvalidData,
                        "invalid or truncated gzip data",
                    )))
                }
            }
        }
    })
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
    fn grows_past_an_implausible_ratio_up_to_exactly_the_limit() {
        // 100 kB of zeros pack into about 100 bytes: far past the ratio the buffer is first sized for.
        let data = vec![0u8; 100_000];
        let packed = gzip(&data);
        assert!(packed.len() * MAX_PLAUSIBLE_RATIO < data.len());
        assert_eq!(gunzip(&packed, 1 << 20).unwrap(), data);
        assert_eq!(gunzip(&packed, data.len()).unwrap(), data);
        assert!(matches!(
            gunzip(&packed, data.len() - 1),
            Err(DecodeError::TooLarge { .. })
        ));
    }

    #[test]
    fn a_trailer_that_lies_is_an_error() {
        let mut packed = gzip(&b"hello webcast".repeat(100));
        let end = packed.len();
        packed[end - 4..].copy_from_slice(&1u32.to_le_bytes());
        assert!(matches!(
            gunzip(&packed, 1 << 20),
            Err(DecodeError::Gzip(_))
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
