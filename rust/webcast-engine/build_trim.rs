//! Cuts message types down to the fields the engine's events read and write, before prost-build and the decode
//! budget see the schema: prost then skips the other fields' bytes instead of allocating and validating them.
//!
//! The events are built from, and encoded to, only the fields kept (a field cut here fails to compile where it is
//! used: keep it here), and every event keeps its message payload, so nothing a caller can reach is lost. The rest
//! of `CommonMessageData` (the header of every message) and `Text`'s pieces (each with a whole `User`) were about a
//! fifth of the decoding time of real traffic (issue 10).

use protox::prost_reflect::prost_types::FileDescriptorSet;

const PACKAGE: &str = "webcast";

/// Message type, and the numbers of the fields kept.
const KEPT_FIELDS: &[(&str, &[i32])] = &[
    // method, msg_id, create_time, display_text
    ("CommonMessageData", &[1, 2, 4, 8]),
    // key, default_pattern
    ("Text", &[1, 2]),
];

/// Drops every field of the types in [`KEPT_FIELDS`] that is not listed there; an error when a type or field named
/// there is not in the schema.
pub fn trim(descriptors: &mut FileDescriptorSet) -> Result<(), String> {
    for (name, kept) in KEPT_FIELDS {
        let message = descriptors
            .file
            .iter_mut()
            .filter(|file| file.package() == PACKAGE)
            .flat_map(|file| file.message_type.iter_mut())
            .find(|message| message.name() == *name)
            .ok_or_else(|| format!("build_trim.rs: no message {PACKAGE}.{name}"))?;
        for number in *kept {
            if !message.field.iter().any(|field| field.number() == *number) {
                return Err(format!("build_trim.rs: {name} has no field {number}"));
            }
        }
        message.field.retain(|field| kept.contains(&field.number()));
    }
    Ok(())
}
