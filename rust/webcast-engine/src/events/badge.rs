//! Badges (`BadgeStruct`, webcast.md §7.2): what a user wears next to their name.
//!
//! Real traffic draws most badges as a combined icon and text (`combine`, a `CombineBadgeStruct`). That type has no
//! field table in the fact file, so the typed decoder keeps it as bytes; its icon and text are read here through
//! the view schema (`view.rs`), by field name, and written back with prost's field encoders.

use std::sync::OnceLock;

use bytes::Bytes;
use prost::Message;

use super::model::saturate_i32;
use super::{Badge, Image};
use crate::proto;
use crate::view::{self, FieldValue, MessageDescriptor, Scalar};

impl From<proto::BadgeStruct> for Badge {
    fn from(badge: proto::BadgeStruct) -> Self {
        let combine = Combined::read(&badge.combine);
        let text = [
            badge.text.map(|text| text.default_pattern),
            badge.str.map(|text| text.str),
            Some(combine.text),
        ]
        .into_iter()
        .flatten()
        .find(|text| !text.is_empty())
        .unwrap_or_default();
        Self {
            scene: i64::from(badge.scene_type),
            level: badge
                .privilege_log_extra
                .and_then(|extra| extra.level.parse().ok())
                .unwrap_or(0),
            display_type: i64::from(badge.display_type),
            text,
            image: badge
                .image
                .and_then(|image| image.image)
                .or(combine.icon)
                .map(Image::from),
        }
    }
}

impl From<&Badge> for proto::BadgeStruct {
    /// Written as real traffic sends level badges: a combined badge (icon and text) with the level in
    /// `privilege_log_extra`.
    fn from(badge: &Badge) -> Self {
        let display_type = saturate_i32(badge.display_type);
        let combine = Combined {
            icon: badge.image.as_ref().map(proto::ImageModel::from),
            text: badge.text.clone(),
        };
        Self {
            display_type,
            scene_type: saturate_i32(badge.scene),
            privilege_log_extra: (badge.level != 0).then(|| proto::PrivilegeLogExtra {
                level: badge.level.to_string(),
                ..Default::default()
            }),
            combine: if combine.text.is_empty() && combine.icon.is_none() {
                Bytes::new()
            } else {
                combine.write(display_type)
            },
            ..Default::default()
        }
    }
}

/// What events use of a `CombineBadgeStruct`.
#[derive(Default)]
struct Combined {
    icon: Option<proto::ImageModel>,
    text: String,
}

/// `CombineBadgeStruct` and the numbers of its fields `display_type`, `icon` and `str`.
fn combine_type() -> Option<&'static (MessageDescriptor, [u32; 3])> {
    static TYPE: OnceLock<Option<(MessageDescriptor, [u32; 3])>> = OnceLock::new();
    TYPE.get_or_init(|| {
        let message = view::message_type("CombineBadgeStruct")?;
        let number = |name: &str| message.get_field_by_name(name).map(|f| f.number());
        let numbers = [number("display_type")?, number("icon")?, number("str")?];
        Some((message, numbers))
    })
    .as_ref()
}

impl Combined {
    /// The icon and text of a combined badge; nothing when it is absent or malformed (the badge still counts).
    fn read(bytes: &Bytes) -> Self {
        let mut combined = Self::default();
        let Some((message, [_, icon, text])) = combine_type() else {
            return combined;
        };
        if bytes.is_empty() {
            return combined;
        }
        let Ok(mut fields) = view::read_level(message, bytes) else {
            return combined;
        };
        if let Some((_, FieldValue::Single(Scalar::Message(icon)))) = fields.remove(icon) {
            combined.icon = proto::ImageModel::decode(icon).ok();
        }
        if let Some((_, FieldValue::Single(Scalar::String(text)))) = fields.remove(text) {
            combined.text = text;
        }
        combined
    }

    fn write(&self, display_type: i32) -> Bytes {
        let mut out = Vec::new();
        if let Some((_, [display, icon, text])) = combine_type() {
            if display_type != 0 {
                prost::encoding::int32::encode(*display, &display_type, &mut out);
            }
            if let Some(image) = &self.icon {
                prost::encoding::message::encode(*icon, image, &mut out);
            }
            if !self.text.is_empty() {
                prost::encoding::string::encode(*text, &self.text, &mut out);
            }
        }
        Bytes::from(out)
    }
}
