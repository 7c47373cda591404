//! Badges (`BadgeStruct`, webcast.md §7.2): what a user wears next to their name.
//!
//! Real traffic draws most badges as a combined icon and text (`combine`, a `CombineBadgeStruct`). That type has no
//! field table in the fact file, so the typed decoder keeps it as bytes; its icon and text are read here through
//! the view schema (`view.rs`), by field name, and written back with prost's field encoders. That read is the
//! costly part of a badge, so a decoded user keeps its badges as the wire gave them ([`Badges`]) and reads them
//! only when asked; what events derive from badges (levels, scenes) comes from the typed fields alone.

use std::sync::OnceLock;

use bytes::Bytes;
use prost::Message;

use super::model::saturate_i32;
use super::{Badge, Image};
use crate::proto;
use crate::view::{self, FieldValue, MessageDescriptor, Scalar};

/// A user's badges: as decoded from the wire (read into [`Badge`]s on demand by [`Badges::read`]) or as given.
/// Two lists are equal when they read as equal badges.
#[derive(Clone, Debug)]
pub struct Badges(Source);

#[derive(Clone, Debug)]
enum Source {
    Wire(Vec<proto::BadgeStruct>),
    Given(Vec<Badge>),
}

impl Default for Badges {
    fn default() -> Self {
        Self(Source::Given(Vec::new()))
    }
}

impl From<Vec<Badge>> for Badges {
    fn from(badges: Vec<Badge>) -> Self {
        Self(Source::Given(badges))
    }
}

impl From<Vec<proto::BadgeStruct>> for Badges {
    fn from(badges: Vec<proto::BadgeStruct>) -> Self {
        Self(Source::Wire(badges))
    }
}

impl PartialEq for Badges {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.read() == other.read()
    }
}

impl Badges {
    /// The badges, each read in full (icon and text included).
    #[must_use]
    pub fn read(&self) -> Vec<Badge> {
        match &self.0 {
            Source::Wire(badges) => badges.iter().map(Badge::from).collect(),
            Source::Given(badges) => badges.clone(),
        }
    }

    #[must_use]
    pub fn len(&self) -> usize {
        match &self.0 {
            Source::Wire(badges) => badges.len(),
            Source::Given(badges) => badges.len(),
        }
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The level of the first badge whose scene is one of `scenes`, read from the typed fields only.
    fn first_of(&self, scenes: &[i64]) -> Option<i64> {
        match &self.0 {
            Source::Wire(badges) => badges
                .iter()
                .find(|badge| scenes.contains(&i64::from(badge.scene_type)))
                .map(level_of),
            Source::Given(badges) => badges
                .iter()
                .find(|badge| scenes.contains(&badge.scene))
                .map(|badge| badge.level),
        }
    }

    /// The level of the first badge of `scene`, if there is one.
    pub(crate) fn level(&self, scene: i64) -> Option<i64> {
        self.first_of(&[scene])
    }

    /// Whether any badge is of one of `scenes`.
    pub(crate) fn any_of(&self, scenes: &[i64]) -> bool {
        self.first_of(scenes).is_some()
    }

    /// The badges as the wire carries them: those decoded unchanged, those given written as [`Badge`]s are.
    pub(crate) fn to_wire(&self) -> Vec<proto::BadgeStruct> {
        match &self.0 {
            Source::Wire(badges) => badges.clone(),
            Source::Given(badges) => badges.iter().map(proto::BadgeStruct::from).collect(),
        }
    }
}

/// `privilege_log_extra.level`, a number in a string; 0 when absent or not a number.
fn level_of(badge: &proto::BadgeStruct) -> i64 {
    badge
        .privilege_log_extra
        .as_ref()
        .and_then(|extra| extra.level.parse().ok())
        .unwrap_or(0)
}

impl From<&proto::BadgeStruct> for Badge {
    fn from(badge: &proto::BadgeStruct) -> Self {
        let combine = Combined::read(&badge.combine);
        let text = [
            badge.text.as_ref().map(|text| &text.default_pattern),
            badge.str.as_ref().map(|text| &text.str),
            Some(&combine.text),
        ]
        .into_iter()
        .flatten()
        .find(|text| !text.is_empty())
        .cloned()
        .unwrap_or_default();
        Self {
            scene: i64::from(badge.scene_type),
            level: level_of(badge),
            display_type: i64::from(badge.display_type),
            text,
            image: badge
                .image
                .as_ref()
                .and_then(|image| image.image.clone())
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
