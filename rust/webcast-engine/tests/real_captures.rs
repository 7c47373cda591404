//! Real TikTok captures (../shared/fixtures/real, kept outside the repository) through the engine: every payload
//! decodes, typed exactly where a schema exists, and every event is a fixed point of encode/decode. Field values
//! are compared with an independent schema in tests/engine/test_real_captures.py.

use std::collections::BTreeMap;
use std::path::PathBuf;

use base64::Engine as _;
use bytes::Bytes;
use webcast_engine::events::{IntroEvent, RoomEvent, UserEventType};
use webcast_engine::{decode_message, Event, FetchResponse, UnknownEvent};

const PUSH_SERVER: &str = "wss://webcast-ws.tiktok.com/webcast/im/ws_proxy/ws_reuse_supplement/";

fn real_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/real")
}

fn read(name: &str) -> Vec<u8> {
    let path = real_dir().join(name);
    std::fs::read(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// The variant name of an event (`ChatEvent`, `Unknown`, ...), from its Debug form.
fn kind(event: &Event) -> String {
    let debug = format!("{event:?}");
    debug[..debug.find('(').unwrap_or(debug.len())].to_owned()
}

/// A decoded event encodes to the payload it came as; from its fields alone, to a payload that decodes to the
/// same event, stably.
fn assert_fixed_point(method: &str, event: &Event) {
    assert_eq!(event.method(), method);
    if let Some(raw) = event.raw() {
        assert_eq!(
            event.encode(),
            raw.to_vec(),
            "{method}: raw payload not kept"
        );
    }
    let fields = event.clone().without_raw();
    let payload = fields.encode();
    let again = decode_message(event.method(), &payload);
    assert_eq!(&again, event, "{method}: decode(encode(event)) differs");
    assert_eq!(
        again.without_raw().encode(),
        payload,
        "{method}: encoding is not stable"
    );
}

// ---------------------------------------------------------------------------------------------------------------
// The 2026 fetch result and the single payloads cut from it.

#[test]
fn the_2026_fetch_result_decodes() {
    let response = FetchResponse::decode(Bytes::from(read("2026-batch.pb"))).unwrap();
    assert!(response.is_first);
    assert_eq!(response.push_server, PUSH_SERVER);
    let keys: Vec<&str> = response
        .route_params
        .iter()
        .map(|(k, _)| k.as_str())
        .collect();
    assert_eq!(keys, ["imprp", "wrss"]);
    assert!(!response.cursor.is_empty() && !response.internal_ext.is_empty());
    assert_eq!(
        (response.fetch_interval, response.now, response.fetch_type),
        (1000, 1_786_367_257_452, 1)
    );
    assert!(!response.need_ack);

    let kinds: Vec<String> = response.events.iter().map(kind).collect();
    let mut expected = vec!["RoomEvent", "IntroEvent"];
    expected.extend(["ChatEvent"; 6]);
    expected.extend([
        "LinkMicLayoutStateEvent",
        "Unknown",
        "GiftDynamicRestrictionEvent",
        "LinkMicFanTicketMethodEvent",
        "GiftPanelUpdateEvent",
    ]);
    assert_eq!(kinds, expected);

    for event in &response.events {
        assert_ne!(event.msg_id(), 0);
        assert_fixed_point(event.method(), event);
        match event {
            Event::Unknown(UnknownEvent { method, error, .. }) => {
                assert_eq!(method, "WebcastUpdateShareRevenueNoticeMessage");
                assert_eq!(error, &None);
            }
            Event::ChatEvent(chat) => {
                let user = chat.user.as_ref().expect("a chat has its author");
                assert!(user.id != 0 && !user.nickname.is_empty() && !chat.comment.is_empty());
                assert!(user
                    .profile_picture
                    .as_ref()
                    .is_some_and(|p| !p.urls.is_empty()));
            }
            Event::RoomEvent(RoomEvent {
                r#type, message, ..
            }) => {
                assert_eq!(r#type, "SystemMessage"); // `RoomMessage` carries common.method "SystemMessage"
                assert!(!message.is_empty());
            }
            Event::IntroEvent(IntroEvent { user, .. }) => assert!(user.is_some()),
            _ => {}
        }
    }
    assert_eq!(
        FetchResponse::decode(Bytes::from(response.encode())).unwrap(),
        response
    );
}

#[test]
fn the_2026_single_payloads_are_the_batch_messages() {
    let batch = FetchResponse::decode(Bytes::from(read("2026-batch.pb"))).unwrap();
    let singles = [
        ("2026-chat.pb", "WebcastChatMessage"),
        ("2026-live-intro.pb", "WebcastLiveIntroMessage"),
        ("2026-room.pb", "RoomMessage"),
        ("2026-gift-panel-update.pb", "WebcastGiftPanelUpdateMessage"),
        (
            "2026-gift-dynamic-restriction.pb",
            "WebcastGiftDynamicRestrictionMessage",
        ),
        (
            "2026-link-mic-layout-state.pb",
            "WebcastLinkMicLayoutStateMessage",
        ),
        (
            "2026-update-share-revenue-notice.pb",
            "WebcastUpdateShareRevenueNoticeMessage",
        ),
        (
            "2026-webcast-link-mic-fan-ticket-method.pb",
            "WebcastLinkMicFanTicketMethod",
        ),
    ];
    for (name, method) in singles {
        let event = decode_message(method, &read(name));
        let same: Vec<&Event> = batch
            .events
            .iter()
            .filter(|e| e.msg_id() == event.msg_id())
            .collect();
        assert_eq!(same, [&event], "{name}");
    }
}

// ---------------------------------------------------------------------------------------------------------------
// The 2023 captures: a JSON object `{method: [{"eventData": base64, ...}]}`, read by the small parser below.

fn payloads_2023() -> Vec<(String, Vec<u8>)> {
    let text = String::from_utf8(read("payloads-2023-ab.json")).unwrap();
    let Json::Object(methods) = Json::parse(&text) else {
        panic!("the captures are a JSON object")
    };
    let mut payloads = Vec::new();
    for (method, items) in methods {
        let Json::Array(items) = items else {
            panic!("{method}: a list")
        };
        for item in items {
            let Json::Object(fields) = item else {
                panic!("{method}: objects")
            };
            let Some((_, Json::String(data))) = fields.iter().find(|(k, _)| k == "eventData")
            else {
                panic!("{method}: eventData")
            };
            let payload = base64::engine::general_purpose::STANDARD
                .decode(data)
                .unwrap();
            payloads.push((method.clone(), payload));
        }
    }
    payloads
}

#[test]
fn every_2023_payload_decodes_typed_or_unknown_without_error() {
    let payloads = payloads_2023();
    assert_eq!(payloads.len(), 838);
    let methods: std::collections::BTreeSet<&str> =
        payloads.iter().map(|(m, _)| m.as_str()).collect();
    assert_eq!(methods.len(), 76);

    let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
    for (method, payload) in &payloads {
        let event = decode_message(method, payload);
        if let Event::Unknown(unknown) = &event {
            assert_eq!(unknown.error, None, "{method}");
            assert_eq!(&unknown.payload, payload);
        }
        *kinds.entry(kind(&event)).or_default() += 1;
    }
    let typed: usize = kinds
        .iter()
        .filter(|(k, _)| k.as_str() != "Unknown")
        .map(|(_, n)| n)
        .sum();
    assert_eq!((typed, kinds["Unknown"]), (573, 265));
    for (name, count) in [
        ("ChatEvent", 21),
        ("GiftEvent", 21),
        ("LikeEvent", 21),
        ("UserEvent", 42), // 21 joins (member messages) and 21 follows or shares
        ("ViewersEvent", 21),
        ("ControlEvent", 10),
        ("QuestionEvent", 10),
        ("MicBattleEvent", 10),
        ("BattlesEvent", 10),
        ("PinEvent", 12),
        ("EnvelopeEvent", 11),
        ("IntroEvent", 3),
        ("RoomEvent", 18),
        ("RoomBannerEvent", 10),
        ("EmoteChatEvent", 10),
        ("LinkMicMethodEvent", 31), // WebcastLinkMicMethod and the older LinkMicMethod
    ] {
        assert_eq!(kinds.get(name), Some(&count), "{name}");
    }
    assert_eq!(kinds.len(), 44);
}

#[test]
fn every_2023_event_is_a_fixed_point() {
    let mut joins = 0;
    for (method, payload) in payloads_2023() {
        let event = decode_message(&method, &payload);
        assert_fixed_point(&method, &event);
        if let Event::UserEvent(user) = &event {
            joins += usize::from(user.event == UserEventType::Join);
        }
    }
    assert_eq!(joins, 21);
}

#[test]
fn real_users_have_their_gifter_level_and_badges() {
    // Real traffic leaves `pay_grade.level` at 0 and puts the level in the user-grade badge (scene 8).
    let (mut users, mut graded, mut badged, mut followers) = (0, 0, 0, 0);
    for (method, payload) in payloads_2023() {
        let (user, identity_known) = match decode_message(&method, &payload) {
            Event::ChatEvent(chat) => (chat.user, true),
            Event::GiftEvent(gift) => (gift.user, true),
            Event::LikeEvent(like) => (like.user, false),
            Event::UserEvent(event) => (event.user, false),
            _ => continue,
        };
        let Some(user) = user else { continue };
        users += 1;
        badged += usize::from(!user.badges.is_empty());
        if let Some(badge) = user
            .badges
            .read()
            .into_iter()
            .find(|badge| badge.scene == 8)
        {
            assert_eq!(user.gifter_level, badge.level);
            graded += usize::from(user.gifter_level > 0);
        }
        followers += usize::from(user.is_follower);
        assert!(identity_known || !user.is_follower);
    }
    assert_eq!(users, 105);
    assert!(
        graded >= 70 && badged >= graded,
        "{graded} graded, {badged} badged"
    );
    assert!(followers > 0);
}

#[test]
fn every_2023_payload_survives_truncation() {
    // Cut short, a payload decodes to a typed event or to an unknown one with the error; it never panics.
    for (method, payload) in payloads_2023().into_iter().step_by(7) {
        for cut in (0..payload.len()).step_by(13) {
            if let Event::Unknown(unknown) = decode_message(&method, &payload[..cut]) {
                assert_eq!(unknown.payload, &payload[..cut]);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------------------------
// A strict JSON reader, enough for the capture file (objects, arrays, strings, numbers, literals).

#[derive(Debug)]
enum Json {
    Object(Vec<(String, Json)>),
    Array(Vec<Json>),
    String(String),
    Other,
}

impl Json {
    fn parse(text: &str) -> Json {
        let mut reader = Reader {
            bytes: text.as_bytes(),
            pos: 0,
        };
        let value = reader.value();
        reader.skip_space();
        assert_eq!(reader.pos, reader.bytes.len(), "trailing data");
        value
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Reader<'_> {
    fn skip_space(&mut self) {
        while self
            .bytes
            .get(self.pos)
            .is_some_and(|b| b.is_ascii_whitespace())
        {
            self.pos += 1;
        }
    }

    fn eat(&mut self, byte: u8) -> bool {
        self.skip_space();
        let found = self.bytes.get(self.pos) == Some(&byte);
        self.pos += usize::from(found);
        found
    }

    fn value(&mut self) -> Json {
        self.skip_space();
        match self.bytes[self.pos] {
            b'{' => {
                self.pos += 1;
                let mut fields = Vec::new();
                if !self.eat(b'}') {
                    loop {
                        self.skip_space();
                        let key = self.string();
                        assert!(self.eat(b':'), "expected ':' at {}", self.pos);
                        fields.push((key, self.value()));
                        if self.eat(b'}') {
                            break;
                        }
                        assert!(self.eat(b','), "expected ',' at {}", self.pos);
                    }
                }
                Json::Object(fields)
            }
            b'[' => {
                self.pos += 1;
                let mut items = Vec::new();
                if !self.eat(b']') {
                    loop {
                        items.push(self.value());
                        if self.eat(b']') {
                            break;
                        }
                        assert!(self.eat(b','), "expected ',' at {}", self.pos);
                    }
                }
                Json::Array(items)
            }
            b'"' => Json::String(self.string()),
            _ => {
                let start = self.pos;
                while self
                    .bytes
                    .get(self.pos)
                    .is_some_and(|b| b.is_ascii_alphanumeric() || b"+-.".contains(b))
                {
                    self.pos += 1;
                }
                assert!(self.pos > start, "unexpected byte at {start}");
                Json::Other
            }
        }
    }

    fn string(&mut self) -> String {
        assert_eq!(
            self.bytes[self.pos], b'"',
            "expected a string at {}",
            self.pos
        );
        self.pos += 1;
        let mut out = Vec::new();
        loop {
            let byte = self.bytes[self.pos];
            self.pos += 1;
            match byte {
                b'"' => return String::from_utf8(out).unwrap(),
                b'\\' => {
                    let escaped = self.bytes[self.pos];
                    self.pos += 1;
                    match escaped {
                        b'u' => {
                            let hex =
                                std::str::from_utf8(&self.bytes[self.pos..self.pos + 4]).unwrap();
                            self.pos += 4;
                            let unit = u32::from_str_radix(hex, 16).unwrap();
                            // Surrogate pairs are not needed here: keys and base64 are ASCII.
                            let c = char::from_u32(unit).unwrap_or(char::REPLACEMENT_CHARACTER);
                            out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
                        }
                        b'n' => out.push(b'\n'),
                        b't' => out.push(b'\t'),
                        b'r' => out.push(b'\r'),
                        b'b' => out.push(0x08),
                        b'f' => out.push(0x0c),
                        other => out.push(other), // \" \\ \/
                    }
                }
                other => out.push(other),
            }
        }
    }
}
