//! Cuts message types down to the fields the engine's events read and write, before prost-build and the decode
//! budget see the schema: prost then skips the other fields' bytes instead of allocating and validating them.
//!
//! The events are built from, and encoded to, only the fields left (a field cut here fails to compile where it is
//! used: put it back here), and every event keeps its message payload, so nothing a caller can reach is lost. The
//! rest of `CommonMessageData` (the header of every message), `Text`'s pieces (each with a whole `User`) and the
//! image lists of `User` were about half of the decoding time of real traffic (issue 10).

use protox::prost_reflect::prost_types::FileDescriptorSet;

const PACKAGE: &str = "webcast";

/// What is left of a message type.
enum Cut {
    /// Only these field numbers.
    Keep(&'static [i32]),
    /// Every field but these.
    Drop(&'static [i32]),
}

const CUTS: &[(&str, Cut)] = &[
    // method, msg_id, create_time, display_text
    ("CommonMessageData", Cut::Keep(&[1, 2, 4, 8])),
    // key, default_pattern
    ("Text", Cut::Keep(&[1, 2])),
    // Images other than avatar_thumb (profile_picture), the room and the top fans: avatar_medium, avatar_large,
    // badge_image_list, avatar_border, medal, real_time_icons, new_real_time_icons, own_room, top_fans,
    // personal_card, media_badge_image_list, avatar_jpg.
    (
        "User",
        Cut::Drop(&[10, 11, 21, 27, 28, 29, 30, 33, 45, 52, 57, 1012]),
    ),
];

/// Applies [`CUTS`]; an error when a type or field named there is not in the schema.
pub fn trim(descriptors: &mut FileDescriptorSet) -> Result<(), String> {
    for (name, cut) in CUTS {
        let message = descriptors
            .file
            .iter_mut()
            .filter(|file| file.package() == PACKAGE)
            .flat_map(|file| file.message_type.iter_mut())
            .find(|message| message.name() == *name)
            .ok_or_else(|| format!("build_trim.rs: no message {PACKAGE}.{name}"))?;
        let (Cut::Keep(numbers) | Cut::Drop(numbers)) = cut;
        for number in *numbers {
            if !message.field.iter().any(|field| field.number() == *number) {
                return Err(format!("build_trim.rs: {name} has no field {number}"));
            }
        }
        let keep = matches!(cut, Cut::Keep(_));
        message
            .field
            .retain(|field| numbers.contains(&field.number()) == keep);
    }
    Ok(())
}
