//! Value types nested in events, read from and written back to their protobuf messages (webcast.md §7.2-§7.3).

use super::{Badges, Battle, BattleGroup, Emote, Image, Text, TopViewer, User};
use crate::proto;

// `BadgeSceneType` values (webcast.md §7.2, §7.20).
const SCENE_ADMIN: i64 = 1;
const SCENE_SUBSCRIBER: i64 = 4;
const SCENE_NEW_SUBSCRIBER: i64 = 7;
const SCENE_USER_GRADE: i64 = 8;

impl User {
    /// The flags a message's `user_identity` adds (chat, gift and emote messages carry one).
    pub(crate) fn with_identity(mut self, identity: Option<&proto::UserIdentity>) -> Self {
        if let Some(identity) = identity {
            self.is_moderator |= identity.is_moderator_of_anchor;
            self.is_subscriber |= identity.is_subscriber_of_anchor;
            self.is_follower |= identity.is_follower_of_anchor;
            self.is_friend |= identity.is_mutual_following_with_anchor;
            self.is_gift_giver |= identity.is_gift_giver_of_anchor;
        }
        self
    }

    /// The `user_identity` a message carries for this user, if any flag is set.
    pub(crate) fn identity(&self) -> Option<proto::UserIdentity> {
        let identity = proto::UserIdentity {
            is_gift_giver_of_anchor: self.is_gift_giver,
            is_subscriber_of_anchor: self.is_subscriber,
            is_mutual_following_with_anchor: self.is_friend,
            is_follower_of_anchor: self.is_follower,
            is_moderator_of_anchor: self.is_moderator,
            is_anchor: false,
        };
        (identity != proto::UserIdentity::default()).then_some(identity)
    }
}

impl From<proto::User> for User {
    fn from(user: proto::User) -> Self {
        let follow = user.follow_info.unwrap_or_default();
        let mut decoded = Self {
            id: user.id,
            username: user.display_id,
            nickname: user.nickname,
            profile_picture: user.avatar_thumb.map(Image::from),
            follower_count: follow.follower_count,
            following_count: follow.following_count,
            follow_status: follow.follow_status,
            sec_uid: user.sec_uid,
            bio: user.bio_description,
            verified: user.verified,
            is_moderator: user.user_attr.is_some_and(|attr| attr.is_admin),
            gifter_level: user.pay_grade.map_or(0, |grade| i64::from(grade.level)),
            badges: Badges::from(user.badge_list),
            ..Default::default()
        };
        if let Some(level) = decoded.badges.level(SCENE_USER_GRADE) {
            decoded.gifter_level = level;
        }
        decoded.is_moderator |= decoded.badges.any_of(&[SCENE_ADMIN]);
        decoded.is_subscriber = decoded
            .badges
            .any_of(&[SCENE_SUBSCRIBER, SCENE_NEW_SUBSCRIBER]);
        decoded
    }
}

impl From<&User> for proto::User {
    fn from(user: &User) -> Self {
        let follow = proto::FollowInfo {
            following_count: user.following_count,
            follower_count: user.follower_count,
            follow_status: user.follow_status,
            push_status: 0,
        };
        let has_follow =
            follow.following_count != 0 || follow.follower_count != 0 || follow.follow_status != 0;
        Self {
            id: user.id,
            display_id: user.username.clone(),
            nickname: user.nickname.clone(),
            avatar_thumb: user.profile_picture.as_ref().map(proto::ImageModel::from),
            follow_info: has_follow.then_some(follow),
            sec_uid: user.sec_uid.clone(),
            bio_description: user.bio.clone(),
            verified: user.verified,
            user_attr: user
                .is_moderator
                .then_some(proto::UserAttr { is_admin: true }),
            // Real traffic carries the level in the user-grade badge only; `pay_grade` is written when no badge does.
            pay_grade: (user.gifter_level != 0
                && user.badges.level(SCENE_USER_GRADE) != Some(user.gifter_level))
            .then(|| proto::UserHonor {
                level: saturate_i32(user.gifter_level),
            }),
            badge_list: user.badges.to_wire(),
        }
    }
}

impl From<proto::ImageModel> for Image {
    fn from(image: proto::ImageModel) -> Self {
        Self {
            urls: image.url_list,
            uri: image.uri,
            width: i64::from(image.width),
            height: i64::from(image.height),
        }
    }
}

impl From<&Image> for proto::ImageModel {
    fn from(image: &Image) -> Self {
        Self {
            url_list: image.urls.clone(),
            uri: image.uri.clone(),
            width: saturate_i32(image.width),
            height: saturate_i32(image.height),
        }
    }
}

impl From<proto::Text> for Text {
    fn from(text: proto::Text) -> Self {
        Self {
            key: text.key,
            pattern: text.default_pattern,
        }
    }
}

impl From<&Text> for proto::Text {
    fn from(text: &Text) -> Self {
        Self {
            key: text.key.clone(),
            default_pattern: text.pattern.clone(),
        }
    }
}

impl Emote {
    pub(crate) fn from_model(model: proto::EmoteModel, index: i32) -> Self {
        Self {
            emote_id: model.emote_id,
            image: model.image.map(Image::from),
            index: i64::from(index),
        }
    }

    pub(crate) fn to_model(&self) -> proto::EmoteModel {
        proto::EmoteModel {
            emote_id: self.emote_id.clone(),
            image: self.image.as_ref().map(proto::ImageModel::from),
        }
    }
}

impl From<proto::Contributor> for TopViewer {
    fn from(contributor: proto::Contributor) -> Self {
        Self {
            user: contributor.user.map(User::from),
            coins: contributor.score,
            rank: contributor.rank,
        }
    }
}

impl From<&TopViewer> for proto::Contributor {
    fn from(viewer: &TopViewer) -> Self {
        Self {
            score: viewer.coins,
            user: viewer.user.as_ref().map(proto::User::from),
            rank: viewer.rank,
            delta: 0,
        }
    }
}

impl Battle {
    /// One host's armies: the host's points and the viewers who scored them (webcast.md §7.9).
    pub(crate) fn from_armies(host: i64, armies: proto::BattleUserArmies) -> Self {
        let users = armies
            .user_armies
            .into_iter()
            .map(|army| User {
                id: army.user_id,
                nickname: army.nickname,
                profile_picture: army.avatar_thumb.map(Image::from),
                ..Default::default()
            })
            .collect();
        Self {
            host,
            groups: vec![BattleGroup {
                points: armies.hostscore,
                users,
            }],
        }
    }

    pub(crate) fn to_armies(&self) -> proto::BattleUserArmies {
        let group = self.groups.first();
        proto::BattleUserArmies {
            user_armies: group
                .map(|group| {
                    group
                        .users
                        .iter()
                        .map(|user| proto::BattleUserArmy {
                            user_id: user.id,
                            nickname: user.nickname.clone(),
                            avatar_thumb: user
                                .profile_picture
                                .as_ref()
                                .map(proto::ImageModel::from),
                            ..Default::default()
                        })
                        .collect()
                })
                .unwrap_or_default(),
            hostscore: group.map_or(0, |group| group.points),
            ..Default::default()
        }
    }
}

/// Fields that are 32-bit on the wire but plain integers in Python: out-of-range values are clamped.
pub(crate) fn saturate_i32(value: i64) -> i32 {
    i32::try_from(value).unwrap_or(if value < 0 { i32::MIN } else { i32::MAX })
}
