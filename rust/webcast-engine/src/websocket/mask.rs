//! Client masking (RFC 6455 §5.3). The engine never draws randomness: masks of frames the caller sends are
//! arguments, and masks of frames the engine sends on its own (Pong replies, Close echoes, Close frames after an
//! error) come from a SHA-1 counter keyed by a caller-supplied seed, which the server never sees.

/// XORs `data` in place with the repeating 4-byte `mask`, starting at mask offset 0.
pub(crate) fn apply_mask(data: &mut [u8], mask: [u8; 4]) {
    let word = u32::from_ne_bytes(mask);
    let mut chunks = data.chunks_exact_mut(4);
    for chunk in &mut chunks {
        let mut bytes = [0; 4];
        bytes.copy_from_slice(chunk);
        chunk.copy_from_slice(&(u32::from_ne_bytes(bytes) ^ word).to_ne_bytes());
    }
    for (byte, key) in chunks.into_remainder().iter_mut().zip(mask) {
        *byte ^= key;
    }
}

/// Masks for the frames the engine sends unprompted: `SHA-1(seed || counter)[..4]`.
#[derive(Debug, Clone)]
pub(crate) struct MaskGenerator {
    seed: [u8; 16],
    counter: u64,
}

impl MaskGenerator {
    pub(crate) fn new(seed: [u8; 16]) -> Self {
        MaskGenerator { seed, counter: 0 }
    }

    pub(crate) fn next_mask(&mut self) -> [u8; 4] {
        let mut hasher = sha1_smol::Sha1::new();
        hasher.update(&self.seed);
        hasher.update(&self.counter.to_be_bytes());
        self.counter = self.counter.wrapping_add(1);
        let digest = hasher.digest().bytes();
        [digest[0], digest[1], digest[2], digest[3]]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masking_twice_is_the_identity_for_every_length() {
        let mask = [0x37, 0xfa, 0x21, 0x3d];
        for len in 0..12 {
            let original: Vec<u8> = (0..len).map(|i| i as u8).collect();
            let mut data = original.clone();
            apply_mask(&mut data, mask);
            if len > 0 {
                assert_ne!(data, original);
            }
            apply_mask(&mut data, mask);
            assert_eq!(data, original);
        }
    }

    #[test]
    fn rfc_6455_masked_hello() {
        // §5.7: "Hello" masked with 37 fa 21 3d.
        let mut data = *b"Hello";
        apply_mask(&mut data, [0x37, 0xfa, 0x21, 0x3d]);
        assert_eq!(data, [0x7f, 0x9f, 0x4d, 0x51, 0x58]);
    }

    #[test]
    fn generator_is_deterministic_and_varies() {
        let mut a = MaskGenerator::new([7; 16]);
        let mut b = MaskGenerator::new([7; 16]);
        let first = a.next_mask();
        assert_eq!(first, b.next_mask());
        assert_ne!(first, a.next_mask());
    }
}
