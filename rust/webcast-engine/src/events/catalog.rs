//! The one list of typed events and value types. The engine defines its structs from it and the Python binding
//! defines its classes from it, so the two can never disagree on a field.
//!
//! Entry syntax: `Name = "WireMethod" [ProtoMessage] { field: Type, ... }`; the `[ProtoMessage]` part marks an
//! event mapped field-for-field (simple.rs); the events below are mapped by hand in custom.rs. Every event also
//! gets `method`, `msg_id` and `timestamp`.

/// Calls `$callback!` with every value type nested in events (users, images, ...).
#[macro_export]
macro_rules! for_each_model {
    ($callback:ident) => {
        $callback! {
            /// A TikTok user as events carry it. `username` is the @handle (`display_id` on the wire).
            User {
                id: i64,
                username: String,
                nickname: String,
                profile_picture: Option<$crate::events::Image>,
                follower_count: i64,
                following_count: i64,
                /// The connected viewer's relation to this user (0 none, 1 following, 2 friends).
                follow_status: i64,
                sec_uid: String,
                bio: String,
                verified: bool,
                /// A moderator of this room: `user_attr.is_admin`, an admin badge (scene 1), or the message's
                /// `user_identity.is_moderator_of_anchor`.
                is_moderator: bool,
                /// Gifter level: the level of the user-grade badge (scene 8), where real traffic puts it;
                /// `pay_grade.level` when there is no such badge (always 0 in real captures).
                gifter_level: i64,
                /// The badges shown next to the name (`badge_list`): gifter level, fan club, subscriber, ...
                badges: $crate::events::Badges,
                /// Subscribed to the host: a subscriber badge (scene 4 or 7) or the message's
                /// `user_identity.is_subscriber_of_anchor`.
                is_subscriber: bool,
                /// Follows the host (`user_identity.is_follower_of_anchor`, on chat, gift and emote messages).
                is_follower: bool,
                /// Follows the host and is followed back (`user_identity.is_mutual_following_with_anchor`).
                is_friend: bool,
                /// Has sent the host gifts before (`user_identity.is_gift_giver_of_anchor`).
                is_gift_giver: bool,
            }
            /// A badge next to a user's name (`BadgeStruct`). `scene` says what it is (`BadgeSceneType`: 1 moderator,
            /// 4 subscriber, 6 top gifter / rank list, 7 new subscriber, 8 gifter level, 10 fan club), `level`
            /// its level where it has one (`privilege_log_extra.level`), `text` and `image` what it shows.
            Badge {
                scene: i64,
                level: i64,
                /// How it is drawn (`BadgeDisplayType`: 1 image, 2 text, 3 string, 4 combined icon and text).
                display_type: i64,
                text: String,
                image: Option<$crate::events::Image>,
            }
            /// An image: CDN variants of one picture.
            Image {
                urls: Vec<String>,
                uri: String,
                width: i64,
                height: i64,
            }
            /// A display template: `pattern` has `{index:kind}` placeholders (webcast.md §7.3).
            Text {
                key: String,
                pattern: String,
            }
            /// An emote, and where it sits in a comment (`index` is a character position).
            Emote {
                emote_id: String,
                image: Option<$crate::events::Image>,
                index: i64,
            }
            /// One of the top viewers in a room (`coins` contributed, `rank` from 1).
            TopViewer {
                user: Option<$crate::events::User>,
                coins: i64,
                rank: i64,
            }
            /// One host's side of a link-mic battle.
            Battle {
                host: i64,
                groups: Vec<$crate::events::BattleGroup>,
            }
            /// The points of a battle side and the viewers who scored them.
            BattleGroup {
                points: i64,
                users: Vec<$crate::events::User>,
            }
        }
    };
}

/// Calls `$callback!` with every event: the hand-mapped ones below, then the simple ones.
#[macro_export]
macro_rules! for_each_event {
    ($callback:ident) => {
        $crate::for_each_simple_event! { $callback
            /// A chat comment.
            ChatEvent = "WebcastChatMessage" {
                user: Option<$crate::events::User>,
                comment: String,
                language: String,
                emotes: Vec<$crate::events::Emote>,
            }
            /// A subscriber emote sent on its own.
            EmoteChatEvent = "WebcastEmoteChatMessage" {
                user: Option<$crate::events::User>,
                emotes: Vec<$crate::events::Emote>,
            }
            /// A gift. Streakable gifts (`type == 1`) arrive once per combo update and once more with
            /// `repeat_end`; count them when `streak_finished` is true.
            GiftEvent = "WebcastGiftMessage" {
                id: i64,
                name: String,
                describe: String,
                /// Diamonds one gift is worth.
                cost: i64,
                repeat_count: i64,
                repeat_end: bool,
                r#type: i64,
                to_user_id: i64,
                user: Option<$crate::events::User>,
                /// Ties the messages of one streak together.
                group_id: i64,
                combo_count: i64,
                image: Option<$crate::events::Image>,
            }
            /// Likes: `likes` in this batch (at most 15), `total_likes` the room's total as this shard knows it.
            LikeEvent = "WebcastLikeMessage" {
                likes: i64,
                total_likes: i64,
                user: Option<$crate::events::User>,
                display_type: String,
                label: String,
            }
            /// A viewer joined, shared the stream or followed the host.
            UserEvent = "WebcastSocialMessage" {
                event: $crate::events::UserEventType,
                user: Option<$crate::events::User>,
            }
            /// A member message other than a join (`action` 3 is a subscription).
            MemberEvent = "WebcastMemberMessage" {
                action: i64,
                user: Option<$crate::events::User>,
                member_count: i64,
            }
            /// The viewer count (`viewers` now, `total_viewers` so far) and the top viewers.
            ViewersEvent = "WebcastRoomUserSeqMessage" {
                viewers: i64,
                total_viewers: i64,
                top_viewers: Vec<$crate::events::TopViewer>,
            }
            /// A question posted by a viewer.
            QuestionEvent = "WebcastQuestionNewMessage" {
                question: String,
                question_id: i64,
                user: Option<$crate::events::User>,
            }
            /// Stream status: `action` 1 paused, 2 unpaused, 3 ended, 4 suspended.
            ControlEvent = "WebcastControlMessage" {
                action: i64,
                tips: String,
            }
            /// A link-mic battle starts (`action` 4) or finishes (5) between `users` (the hosts).
            MicBattleEvent = "WebcastLinkMicBattle" {
                battle_id: i64,
                action: i64,
                status: i64,
                users: Vec<$crate::events::User>,
            }
            /// Battle points per host.
            BattlesEvent = "WebcastLinkMicArmies" {
                battle_id: i64,
                status: i64,
                battles: Vec<$crate::events::Battle>,
            }
            /// The in-room banner; `data` is the JSON document the message carries, parsed.
            RoomBannerEvent = "WebcastInRoomBannerMessage" {
                data: $crate::events::Json,
            }
            /// The host's intro text, sent on entering a room.
            IntroEvent = "WebcastLiveIntroMessage" {
                id: i64,
                title: String,
                language: String,
                user: Option<$crate::events::User>,
            }
            /// A message broadcast in the room, such as the welcome text (`type` is e.g. `SystemMessage`).
            RoomEvent = "WebcastRoomMessage" {
                r#type: String,
                message: String,
            }
            /// A message pinned (`action` 1) or unpinned (2); the pinned comment or gift rides along.
            PinEvent = "WebcastRoomPinMessage" {
                action: i64,
                pinned_method: String,
                pin_time: i64,
                display_duration: i64,
                pin_msg_id: i64,
                operator: Option<$crate::events::User>,
                chat: Option<$crate::events::ChatEvent>,
                gift: Option<$crate::events::GiftEvent>,
            }
            /// A treasure chest (envelope) appears (`display` 1) or goes (2).
            EnvelopeEvent = "WebcastEnvelopeMessage" {
                envelope_id: String,
                business_type: i64,
                sender_id: String,
                sender_name: String,
                diamond_count: i64,
                people_count: i64,
                unpack_at: i64,
                display: i64,
            }
        }
    };
}
