//! What the `inbox` fuzz target checks on every input, shared with the test that replays its seeds and regressions
//! (`tests/inbox.rs`). The input is a byte of options (bit 0: include history, bit 1: keep unknown events), then
//! push frames, each after its length as two little-endian bytes (cut to what is left). The frames go to one inbox
//! a thousand seconds apart (so ids also expire), the whole input to it as a fetch body, and everything held is
//! taken. Never a panic; the counts agree with what came out; every event survives its own round trip.

use bytes::Bytes;
use webcast_engine::inbox::{Inbox, Intake, Options};
use webcast_engine::{decode_message, Event};

pub fn inbox(data: &[u8]) {
    let Some((&flags, mut rest)) = data.split_first() else {
        return;
    };
    let options = Options {
        include_history: flags & 1 != 0,
        keep_unknown: flags & 2 != 0,
        ..Options::default()
    };
    let mut inbox = Inbox::new(options);
    let mut intake = Intake::default();
    let mut frames: u32 = 0;
    while let [low, high, tail @ ..] = rest {
        let len = usize::from(u16::from_le_bytes([*low, *high])).min(tail.len());
        let (frame, after) = tail.split_at(len);
        inbox.push_frame(frame, f64::from(frames) * 1000.0, &mut intake);
        frames += 1;
        rest = after;
    }
    assert_eq!(intake.frames, frames as usize);
    assert!(intake.results <= intake.frames);
    let counts = inbox.counts();
    assert_eq!(counts.frames, u64::from(frames));
    assert_eq!(counts.decode_errors, intake.errors.len() as u64);
    assert_eq!(counts.acks, intake.acks.len() as u64);
    assert_eq!(counts.events, inbox.len() as u64);
    let fetched = inbox.push_fetch(Bytes::copy_from_slice(data), f64::from(frames) * 1000.0);
    let errors = intake.errors.len() as u64 + u64::from(fetched.is_err());
    assert_eq!(inbox.counts().decode_errors, errors);

    let mut taken = 0;
    while let Some(event) = inbox.take() {
        taken += 1;
        if !options.keep_unknown {
            assert!(!matches!(event, Event::Unknown(_)), "{event:?}");
        }
        round_trip(&event);
    }
    let counts = inbox.counts();
    assert_eq!(counts.events, taken);
    assert_eq!(inbox.take_unknown_methods().len() as u64, counts.unknown);
}

/// The event decodes back from its own encoding, unless it is an unknown event with an error (a payload or method
/// that could not be read), which keeps its method and payload.
fn round_trip(event: &Event) {
    let again = decode_message(event.method(), &event.encode());
    match (event, &again) {
        (Event::Unknown(unknown), Event::Unknown(alone)) if unknown.error.is_some() => {
            assert_eq!(
                (&alone.method, &alone.payload),
                (&unknown.method, &unknown.payload)
            );
        }
        _ => assert_eq!(&again, event),
    }
}
