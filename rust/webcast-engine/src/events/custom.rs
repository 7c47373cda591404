//! Events mapped by hand from their messages (webcast.md §7.5-§7.13, semantics from §8-§9).

use prost::Message;

use super::model::saturate_i32;
use super::wire::{common, DecodePayload, Meta, WireEvent};
use super::{
    Battle, BattlesEvent, ChatEvent, ControlEvent, Emote, EmoteChatEvent, EnvelopeEvent, Event,
    GiftEvent, Image, IntroEvent, Json, LikeEvent, MemberEvent, MicBattleEvent, PinEvent,
    QuestionEvent, RoomBannerEvent, RoomEvent, TopViewer, User, UserEvent, UserEventType,
    ViewersEvent,
};
use crate::proto;

const MEMBER_METHOD: &str = "WebcastMemberMessage";
pub(crate) const SYSTEM_METHOD: &str = "WebcastSystemMessage";
const JOIN_ACTION: i32 = 1;
const FOLLOW_ACTION: i64 = 1;
const SHARE_ACTION: i64 = 3;

// Display keys TikTok puts on these messages (webcast.md §7.3); libraries classify by them (§8).
const JOIN_KEY: &str = "live_room_enter_toast";
const FOLLOW_KEY: &str = "pm_main_follow_message_viewer_2";
const SHARE_KEY: &str = "pm_mt_guidance_share";

fn user(wire: Option<proto::User>) -> Option<User> {
    wire.map(User::from)
}

fn wire_user(user: &Option<User>) -> Option<proto::User> {
    user.as_ref().map(proto::User::from)
}

/// A message's user with the flags of the message's `user_identity` (chat, gift and emote messages).
fn user_with_identity(
    wire: Option<proto::User>,
    identity: Option<&proto::UserIdentity>,
) -> Option<User> {
    wire.map(|wire| User::from(wire).with_identity(identity))
}

fn identity(user: &Option<User>) -> Option<proto::UserIdentity> {
    user.as_ref().and_then(User::identity)
}

fn display_key(common: Option<&proto::CommonMessageData>) -> &str {
    common
        .and_then(|c| c.display_text.as_ref())
        .map_or("", |text| text.key.as_str())
}

/// `common` with a display template, for the events that users classify by it.
fn common_with_text(
    method: &str,
    msg_id: i64,
    timestamp: i64,
    key: &str,
    pattern: &str,
) -> Option<proto::CommonMessageData> {
    let mut header = common(method, msg_id, timestamp);
    if let Some(header) = header.as_mut() {
        if !key.is_empty() || !pattern.is_empty() {
            header.display_text = Some(proto::Text {
                key: key.to_owned(),
                default_pattern: pattern.to_owned(),
            });
        }
    }
    header
}

/// A nested message's method: its own `common.method`, or the type it is known to be.
fn nested_method(common: Option<&proto::CommonMessageData>, fallback: &str) -> String {
    common
        .map(|c| c.method.as_str())
        .filter(|method| !method.is_empty())
        .unwrap_or(fallback)
        .to_owned()
}

impl ChatEvent {
    fn from_message(method: String, message: proto::WebcastChatMessage) -> Self {
        let meta = Meta::new(&method, message.common.as_ref());
        Self {
            user: user_with_identity(message.user, message.user_identity.as_ref()),
            comment: message.content,
            language: message.content_language,
            emotes: message
                .emotes
                .into_iter()
                .map(|emote| Emote::from_model(emote.emote.unwrap_or_default(), emote.index))
                .collect(),
            method: meta.method,
            msg_id: meta.msg_id,
            timestamp: meta.timestamp,
            raw: None,
        }
    }

    fn to_message(&self) -> proto::WebcastChatMessage {
        proto::WebcastChatMessage {
            common: common(&self.method, self.msg_id, self.timestamp),
            user: wire_user(&self.user),
            user_identity: identity(&self.user),
            content: self.comment.clone(),
            content_language: self.language.clone(),
            emotes: self
                .emotes
                .iter()
                .map(|emote| proto::EmoteWithIndex {
                    index: saturate_i32(emote.index),
                    emote: Some(emote.to_model()),
                })
                .collect(),
        }
    }
}

impl DecodePayload for ChatEvent {
    fn decode_fields(method: &str, payload: &[u8]) -> Result<Self, prost::DecodeError> {
        Ok(Self::from_message(
            method.to_owned(),
            proto::WebcastChatMessage::decode(payload)?,
        ))
    }
}

impl WireEvent for ChatEvent {
    fn encode_payload(&self) -> Vec<u8> {
        self.to_message().encode_to_vec()
    }
}

impl DecodePayload for EmoteChatEvent {
    fn decode_fields(method: &str, payload: &[u8]) -> Result<Self, prost::DecodeError> {
        let message = proto::WebcastEmoteChatMessage::decode(payload)?;
        let meta = Meta::new(method, message.common.as_ref());
        Ok(Self {
            user: user_with_identity(message.user, message.user_identity.as_ref()),
            emotes: message
                .emote_list
                .into_iter()
                .map(|model| Emote::from_model(model, 0))
                .collect(),
            method: meta.method,
            msg_id: meta.msg_id,
            timestamp: meta.timestamp,
            raw: None,
        })
    }
}

impl WireEvent for EmoteChatEvent {
    fn encode_payload(&self) -> Vec<u8> {
        proto::WebcastEmoteChatMessage {
            common: common(&self.method, self.msg_id, self.timestamp),
            user: wire_user(&self.user),
            user_identity: identity(&self.user),
            emote_list: self.emotes.iter().map(Emote::to_model).collect(),
            ..Default::default()
        }
        .encode_to_vec()
    }
}

impl GiftEvent {
    fn from_message(method: String, message: proto::WebcastGiftMessage) -> Self {
        let meta = Meta::new(&method, message.common.as_ref());
        let gift = message.gift.unwrap_or_default();
        Self {
            id: if message.gift_id != 0 {
                message.gift_id
            } else {
                gift.id
            },
            name: gift.name,
            describe: gift.describe,
            cost: i64::from(gift.diamond_count),
            repeat_count: i64::from(message.repeat_count),
            repeat_end: message.repeat_end != 0,
            r#type: i64::from(gift.r#type),
            to_user_id: message.to_user.map_or(0, |to| to.id),
            user: user_with_identity(message.user, message.user_identity.as_ref()),
            group_id: message.group_id,
            combo_count: i64::from(message.combo_count),
            image: gift.image.map(Image::from),
            method: meta.method,
            msg_id: meta.msg_id,
            timestamp: meta.timestamp,
            raw: None,
        }
    }

    fn to_message(&self) -> proto::WebcastGiftMessage {
        proto::WebcastGiftMessage {
            common: common(&self.method, self.msg_id, self.timestamp),
            gift_id: self.id,
            repeat_count: saturate_i32(self.repeat_count),
            combo_count: saturate_i32(self.combo_count),
            user: wire_user(&self.user),
            user_identity: identity(&self.user),
            to_user: (self.to_user_id != 0).then(|| proto::User {
                id: self.to_user_id,
                ..Default::default()
            }),
            repeat_end: i32::from(self.repeat_end),
            group_id: self.group_id,
            gift: Some(proto::Gift {
                image: self.image.as_ref().map(proto::ImageModel::from),
                describe: self.describe.clone(),
                id: self.id,
                r#type: saturate_i32(self.r#type),
                diamond_count: saturate_i32(self.cost),
                name: self.name.clone(),
            }),
        }
    }
}

impl DecodePayload for GiftEvent {
    fn decode_fields(method: &str, payload: &[u8]) -> Result<Self, prost::DecodeError> {
        Ok(Self::from_message(
            method.to_owned(),
            proto::WebcastGiftMessage::decode(payload)?,
        ))
    }
}

impl WireEvent for GiftEvent {
    fn encode_payload(&self) -> Vec<u8> {
        self.to_message().encode_to_vec()
    }
}

impl DecodePayload for LikeEvent {
    fn decode_fields(method: &str, payload: &[u8]) -> Result<Self, prost::DecodeError> {
        let message = proto::WebcastLikeMessage::decode(payload)?;
        let meta = Meta::new(method, message.common.as_ref());
        let text = message
            .common
            .and_then(|c| c.display_text)
            .unwrap_or_default();
        Ok(Self {
            likes: i64::from(message.count),
            total_likes: message.total,
            user: user(message.user),
            display_type: text.key,
            label: text.default_pattern,
            method: meta.method,
            msg_id: meta.msg_id,
            timestamp: meta.timestamp,
            raw: None,
        })
    }
}

impl WireEvent for LikeEvent {
    fn encode_payload(&self) -> Vec<u8> {
        proto::WebcastLikeMessage {
            common: common_with_text(
                &self.method,
                self.msg_id,
                self.timestamp,
                &self.display_type,
                &self.label,
            ),
            count: saturate_i32(self.likes),
            total: self.total_likes,
            user: wire_user(&self.user),
        }
        .encode_to_vec()
    }
}

impl UserEventType {
    /// The wire method a user event of this type comes as.
    #[must_use]
    pub fn method(self) -> &'static str {
        match self {
            UserEventType::Join => MEMBER_METHOD,
            UserEventType::Share | UserEventType::Follow => UserEvent::METHOD,
        }
    }
}

/// A member message is a join (action 1) or some other member change (webcast.md §7.7).
pub(crate) fn decode_member(method: &str, payload: &[u8]) -> Result<Event, prost::DecodeError> {
    let message = proto::WebcastMemberMessage::decode(payload)?;
    let meta = Meta::new(method, message.common.as_ref());
    Ok(if message.action == JOIN_ACTION {
        Event::UserEvent(UserEvent {
            event: UserEventType::Join,
            user: user(message.user),
            method: meta.method,
            msg_id: meta.msg_id,
            timestamp: meta.timestamp,
            raw: None,
        })
    } else {
        Event::MemberEvent(MemberEvent {
            action: i64::from(message.action),
            user: user(message.user),
            member_count: i64::from(message.member_count),
            method: meta.method,
            msg_id: meta.msg_id,
            timestamp: meta.timestamp,
            raw: None,
        })
    })
}

impl DecodePayload for UserEvent {
    /// A social message is a follow (action 1, or a `follow` display key) or else a share (webcast.md §7.7, §8).
    fn decode_fields(method: &str, payload: &[u8]) -> Result<Self, prost::DecodeError> {
        let message = proto::WebcastSocialMessage::decode(payload)?;
        let meta = Meta::new(method, message.common.as_ref());
        let follows = message.action == FOLLOW_ACTION
            || display_key(message.common.as_ref()).contains("follow");
        Ok(Self {
            event: if follows {
                UserEventType::Follow
            } else {
                UserEventType::Share
            },
            user: user(message.user),
            method: meta.method,
            msg_id: meta.msg_id,
            timestamp: meta.timestamp,
            raw: None,
        })
    }
}

impl WireEvent for UserEvent {
    fn encode_payload(&self) -> Vec<u8> {
        match self.event {
            UserEventType::Join => proto::WebcastMemberMessage {
                common: common_with_text(
                    &self.method,
                    self.msg_id,
                    self.timestamp,
                    JOIN_KEY,
                    "{0:user} joined",
                ),
                user: wire_user(&self.user),
                action: JOIN_ACTION,
                ..Default::default()
            }
            .encode_to_vec(),
            UserEventType::Follow | UserEventType::Share => {
                let (action, key, pattern) = if self.event == UserEventType::Follow {
                    (
                        FOLLOW_ACTION,
                        FOLLOW_KEY,
                        "{0:user} followed the LIVE creator",
                    )
                } else {
                    (SHARE_ACTION, SHARE_KEY, "{0:user} shared the LIVE")
                };
                proto::WebcastSocialMessage {
                    common: common_with_text(
                        &self.method,
                        self.msg_id,
                        self.timestamp,
                        key,
                        pattern,
                    ),
                    user: wire_user(&self.user),
                    action,
                }
                .encode_to_vec()
            }
        }
    }
}

impl WireEvent for MemberEvent {
    fn encode_payload(&self) -> Vec<u8> {
        proto::WebcastMemberMessage {
            common: common(&self.method, self.msg_id, self.timestamp),
            user: wire_user(&self.user),
            member_count: saturate_i32(self.member_count),
            action: saturate_i32(self.action),
        }
        .encode_to_vec()
    }
}

impl DecodePayload for ViewersEvent {
    fn decode_fields(method: &str, payload: &[u8]) -> Result<Self, prost::DecodeError> {
        let message = proto::WebcastRoomUserSeqMessage::decode(payload)?;
        let meta = Meta::new(method, message.common.as_ref());
        Ok(Self {
            viewers: message.total,
            total_viewers: message.total_user,
            top_viewers: message.ranks.into_iter().map(TopViewer::from).collect(),
            method: meta.method,
            msg_id: meta.msg_id,
            timestamp: meta.timestamp,
            raw: None,
        })
    }
}

impl WireEvent for ViewersEvent {
    fn encode_payload(&self) -> Vec<u8> {
        proto::WebcastRoomUserSeqMessage {
            common: common(&self.method, self.msg_id, self.timestamp),
            ranks: self
                .top_viewers
                .iter()
                .map(proto::Contributor::from)
                .collect(),
            total: self.viewers,
            total_user: self.total_viewers,
        }
        .encode_to_vec()
    }
}

impl DecodePayload for QuestionEvent {
    fn decode_fields(method: &str, payload: &[u8]) -> Result<Self, prost::DecodeError> {
        let message = proto::WebcastQuestionNewMessage::decode(payload)?;
        let meta = Meta::new(method, message.common.as_ref());
        let question = message.data.unwrap_or_default();
        Ok(Self {
            question: question.content,
            question_id: question.question_id,
            user: user(question.user),
            method: meta.method,
            msg_id: meta.msg_id,
            timestamp: meta.timestamp,
            raw: None,
        })
    }
}

impl WireEvent for QuestionEvent {
    fn encode_payload(&self) -> Vec<u8> {
        proto::WebcastQuestionNewMessage {
            common: common(&self.method, self.msg_id, self.timestamp),
            data: Some(proto::Question {
                question_id: self.question_id,
                content: self.question.clone(),
                user: wire_user(&self.user),
                ..Default::default()
            }),
        }
        .encode_to_vec()
    }
}

impl DecodePayload for ControlEvent {
    fn decode_fields(method: &str, payload: &[u8]) -> Result<Self, prost::DecodeError> {
        let message = proto::WebcastControlMessage::decode(payload)?;
        let meta = Meta::new(method, message.common.as_ref());
        Ok(Self {
            action: i64::from(message.action),
            tips: message.tips,
            method: meta.method,
            msg_id: meta.msg_id,
            timestamp: meta.timestamp,
            raw: None,
        })
    }
}

impl WireEvent for ControlEvent {
    fn encode_payload(&self) -> Vec<u8> {
        proto::WebcastControlMessage {
            common: common(&self.method, self.msg_id, self.timestamp),
            action: saturate_i32(self.action),
            tips: self.tips.clone(),
            ..Default::default()
        }
        .encode_to_vec()
    }
}

fn battle_settings(status: i64) -> Option<proto::BattleSetting> {
    (status != 0).then(|| proto::BattleSetting {
        status: saturate_i32(status),
        ..Default::default()
    })
}

impl DecodePayload for MicBattleEvent {
    fn decode_fields(method: &str, payload: &[u8]) -> Result<Self, prost::DecodeError> {
        let message = proto::WebcastLinkMicBattle::decode(payload)?;
        let meta = Meta::new(method, message.common.as_ref());
        let users = message
            .anchors_info
            .into_iter()
            .filter_map(|anchor| anchor.value.and_then(|info| info.user))
            .map(|host| User {
                id: host.user_id,
                username: host.display_id,
                nickname: host.nick_name,
                profile_picture: host.avatar_thumb.map(Image::from),
                ..Default::default()
            })
            .collect();
        Ok(Self {
            battle_id: message.battle_id,
            action: i64::from(message.action),
            status: message
                .battle_settings
                .map_or(0, |settings| i64::from(settings.status)),
            users,
            method: meta.method,
            msg_id: meta.msg_id,
            timestamp: meta.timestamp,
            raw: None,
        })
    }
}

impl WireEvent for MicBattleEvent {
    fn encode_payload(&self) -> Vec<u8> {
        let anchors_info = self
            .users
            .iter()
            .map(|host| proto::BattleUserInfoWrapper {
                key: host.id,
                value: Some(proto::BattleUserInfo {
                    user: Some(proto::BattleBaseUserInfo {
                        user_id: host.id,
                        nick_name: host.nickname.clone(),
                        avatar_thumb: host.profile_picture.as_ref().map(proto::ImageModel::from),
                        display_id: host.username.clone(),
                        ..Default::default()
                    }),
                    tags: Vec::new(),
                }),
            })
            .collect();
        proto::WebcastLinkMicBattle {
            common: common(&self.method, self.msg_id, self.timestamp),
            battle_id: self.battle_id,
            battle_settings: battle_settings(self.status),
            action: saturate_i32(self.action),
            anchors_info,
            ..Default::default()
        }
        .encode_to_vec()
    }
}

impl DecodePayload for BattlesEvent {
    fn decode_fields(method: &str, payload: &[u8]) -> Result<Self, prost::DecodeError> {
        let message = proto::WebcastLinkMicArmies::decode(payload)?;
        let meta = Meta::new(method, message.common.as_ref());
        Ok(Self {
            battle_id: message.battle_id,
            status: message
                .battle_settings
                .map_or(0, |settings| i64::from(settings.status)),
            battles: message
                .armies
                .into_iter()
                .map(|(host, armies)| Battle::from_armies(host, armies))
                .collect(),
            method: meta.method,
            msg_id: meta.msg_id,
            timestamp: meta.timestamp,
            raw: None,
        })
    }
}

impl WireEvent for BattlesEvent {
    fn encode_payload(&self) -> Vec<u8> {
        proto::WebcastLinkMicArmies {
            common: common(&self.method, self.msg_id, self.timestamp),
            battle_id: self.battle_id,
            armies: self
                .battles
                .iter()
                .map(|battle| (battle.host, battle.to_armies()))
                .collect(),
            battle_settings: battle_settings(self.status),
            ..Default::default()
        }
        .encode_to_vec()
    }
}

impl DecodePayload for RoomBannerEvent {
    fn decode_fields(method: &str, payload: &[u8]) -> Result<Self, prost::DecodeError> {
        let message = proto::WebcastInRoomBannerMessage::decode(payload)?;
        let meta = Meta::new(method, message.common.as_ref());
        Ok(Self {
            data: Json(message.json),
            method: meta.method,
            msg_id: meta.msg_id,
            timestamp: meta.timestamp,
            raw: None,
        })
    }
}

impl WireEvent for RoomBannerEvent {
    fn encode_payload(&self) -> Vec<u8> {
        proto::WebcastInRoomBannerMessage {
            common: common(&self.method, self.msg_id, self.timestamp),
            json: self.data.0.clone(),
        }
        .encode_to_vec()
    }
}

impl DecodePayload for IntroEvent {
    fn decode_fields(method: &str, payload: &[u8]) -> Result<Self, prost::DecodeError> {
        let message = proto::WebcastLiveIntroMessage::decode(payload)?;
        let meta = Meta::new(method, message.common.as_ref());
        Ok(Self {
            id: message.id,
            title: message.content,
            language: message.content_language,
            user: user(message.user),
            method: meta.method,
            msg_id: meta.msg_id,
            timestamp: meta.timestamp,
            raw: None,
        })
    }
}

impl WireEvent for IntroEvent {
    fn encode_payload(&self) -> Vec<u8> {
        proto::WebcastLiveIntroMessage {
            common: common(&self.method, self.msg_id, self.timestamp),
            id: self.id,
            content: self.title.clone(),
            user: wire_user(&self.user),
            content_language: self.language.clone(),
            ..Default::default()
        }
        .encode_to_vec()
    }
}

impl DecodePayload for RoomEvent {
    /// `RoomMessage` and `WebcastRoomMessage` share a layout; `WebcastSystemMessage` has its own (webcast.md §7.11).
    fn decode_fields(method: &str, payload: &[u8]) -> Result<Self, prost::DecodeError> {
        let (common, message) = if method == SYSTEM_METHOD {
            let message = proto::WebcastSystemMessage::decode(payload)?;
            (message.common, message.message)
        } else {
            let message = proto::WebcastRoomMessage::decode(payload)?;
            (message.common, message.content)
        };
        let meta = Meta::new(method, common.as_ref());
        Ok(Self {
            r#type: common.map(|c| c.method).unwrap_or_default(),
            message,
            method: meta.method,
            msg_id: meta.msg_id,
            timestamp: meta.timestamp,
            raw: None,
        })
    }
}

impl WireEvent for RoomEvent {
    fn encode_payload(&self) -> Vec<u8> {
        let common = common(&self.r#type, self.msg_id, self.timestamp);
        if self.method == SYSTEM_METHOD {
            proto::WebcastSystemMessage {
                common,
                message: self.message.clone(),
            }
            .encode_to_vec()
        } else {
            proto::WebcastRoomMessage {
                common,
                content: self.message.clone(),
                ..Default::default()
            }
            .encode_to_vec()
        }
    }
}

impl DecodePayload for PinEvent {
    fn decode_fields(method: &str, payload: &[u8]) -> Result<Self, prost::DecodeError> {
        let message = proto::WebcastRoomPinMessage::decode(payload)?;
        let meta = Meta::new(method, message.common.as_ref());
        Ok(Self {
            action: i64::from(message.action),
            pinned_method: message.method,
            pin_time: message.pin_time,
            display_duration: message.display_duration,
            pin_msg_id: message.pin_msg_id,
            operator: user(message.operator),
            chat: message.chat_message.map(|chat| {
                let method = nested_method(chat.common.as_ref(), ChatEvent::METHOD);
                ChatEvent::from_message(method, chat)
            }),
            gift: message.gift_message.map(|gift| {
                let method = nested_method(gift.common.as_ref(), GiftEvent::METHOD);
                GiftEvent::from_message(method, gift)
            }),
            method: meta.method,
            msg_id: meta.msg_id,
            timestamp: meta.timestamp,
            raw: None,
        })
    }
}

impl WireEvent for PinEvent {
    fn encode_payload(&self) -> Vec<u8> {
        proto::WebcastRoomPinMessage {
            common: common(&self.method, self.msg_id, self.timestamp),
            chat_message: self.chat.as_ref().map(ChatEvent::to_message),
            gift_message: self.gift.as_ref().map(GiftEvent::to_message),
            method: self.pinned_method.clone(),
            pin_time: self.pin_time,
            operator: wire_user(&self.operator),
            action: saturate_i32(self.action),
            display_duration: self.display_duration,
            pin_msg_id: self.pin_msg_id,
            ..Default::default()
        }
        .encode_to_vec()
    }
}

impl DecodePayload for EnvelopeEvent {
    fn decode_fields(method: &str, payload: &[u8]) -> Result<Self, prost::DecodeError> {
        let message = proto::WebcastEnvelopeMessage::decode(payload)?;
        let meta = Meta::new(method, message.common.as_ref());
        let info = message.envelope_info.unwrap_or_default();
        Ok(Self {
            envelope_id: info.envelope_id,
            business_type: i64::from(info.business_type),
            sender_id: info.send_user_id,
            sender_name: info.send_user_name,
            diamond_count: i64::from(info.diamond_count),
            people_count: i64::from(info.people_count),
            unpack_at: i64::from(info.unpack_at),
            display: i64::from(message.display),
            method: meta.method,
            msg_id: meta.msg_id,
            timestamp: meta.timestamp,
            raw: None,
        })
    }
}

impl WireEvent for EnvelopeEvent {
    fn encode_payload(&self) -> Vec<u8> {
        proto::WebcastEnvelopeMessage {
            common: common(&self.method, self.msg_id, self.timestamp),
            envelope_info: Some(proto::MessageRedEnvelopInfo {
                envelope_id: self.envelope_id.clone(),
                business_type: saturate_i32(self.business_type),
                send_user_name: self.sender_name.clone(),
                diamond_count: saturate_i32(self.diamond_count),
                people_count: saturate_i32(self.people_count),
                unpack_at: saturate_i32(self.unpack_at),
                send_user_id: self.sender_id.clone(),
                ..Default::default()
            }),
            display: saturate_i32(self.display),
            ..Default::default()
        }
        .encode_to_vec()
    }
}
