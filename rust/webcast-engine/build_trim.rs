//! Cuts message types down to the fields the engine's events read and write, before prost-build and the decode
//! budget see the schema: prost then skips the other fields' bytes instead of allocating and validating them, and
//! the structs shrink from kilobytes (`User` was 4.5 KB, `WebcastGiftMessage` 12.6 KB) to what events use.
//!
//! The events are built from, and encoded to, only the fields kept (a field cut here fails to compile where it is
//! used: keep it here), and every event keeps its message payload, whose every field its `proto` view reads from
//! the whole schema (`view.rs`), so nothing a caller can reach is lost. Cutting the common header, `Text` and the
//! types of the busiest messages below took a third of the decoding time of real traffic (issue 10).

use protox::prost_reflect::prost_types::FileDescriptorSet;

const PACKAGE: &str = "webcast";

/// Message type, and the names of the fields kept.
const KEPT_FIELDS: &[(&str, &[&str])] = &[
    // The header of every message.
    (
        "CommonMessageData",
        &["method", "msg_id", "create_time", "display_text"],
    ),
    ("Text", &["key", "default_pattern"]),
    (
        "User",
        &[
            "id",
            "nickname",
            "bio_description",
            "avatar_thumb",
            "verified",
            "follow_info",
            "pay_grade",
            "user_attr",
            "display_id",
            "sec_uid",
            "badge_list",
        ],
    ),
    ("UserAttr", &["is_admin"]),
    ("UserHonor", &["level"]),
    (
        "BadgeStruct",
        &[
            "display_type",
            "scene_type",
            "privilege_log_extra",
            "image",
            "text",
            "str",
            "combine",
        ],
    ),
    ("PrivilegeLogExtra", &["level"]),
    ("ImageModel", &["url_list", "uri", "height", "width"]),
    (
        "WebcastChatMessage",
        &[
            "common",
            "user",
            "content",
            "emotes",
            "content_language",
            "user_identity",
        ],
    ),
    ("EmoteModel", &["emote_id", "image"]),
    (
        "WebcastGiftMessage",
        &[
            "common",
            "gift_id",
            "repeat_count",
            "combo_count",
            "user",
            "to_user",
            "repeat_end",
            "group_id",
            "gift",
            "user_identity",
        ],
    ),
    (
        "Gift",
        &["image", "describe", "id", "type", "diamond_count", "name"],
    ),
    (
        "WebcastMemberMessage",
        &["common", "user", "member_count", "action"],
    ),
    ("WebcastLikeMessage", &["common", "count", "total", "user"]),
    ("WebcastSocialMessage", &["common", "user", "action"]),
    (
        "WebcastRoomUserSeqMessage",
        &["common", "ranks", "total", "total_user"],
    ),
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
        for field in *kept {
            if !message.field.iter().any(|f| f.name() == *field) {
                return Err(format!("build_trim.rs: {name} has no field {field}"));
            }
        }
        message.field.retain(|field| kept.contains(&field.name()));
    }
    Ok(())
}
