//! Message ids already delivered, so that what TikTok sends again is not delivered twice, in a bounded and compact
//! form: about 30 bytes per id, bounded in count and in age, whatever the room's traffic.
//!
//! What is sent again, and so what must be remembered (PROTOCOL.md decision 5, signer-free.md §4.3, webcast.md §9):
//! - every (re)connect replays the room's newest comments (`history_comment_count=6`: 6 in every capture), which in
//!   a quiet room can be many minutes old and behind thousands of likes and joins: the newest comments are kept in a
//!   tier of their own ([`Limits::comments`], [`Limits::comment_max_age`]);
//! - a resume from the cursor (or a switch to polling) may overlap what came just before the gap, and messages can
//!   repeat across the bootstrap batch and re-entries: every id is kept in a window of the newest
//!   [`Limits::capacity`] ids no older than [`Limits::max_age`] (gotiktoklive keeps a 15-minute cache).
//!
//! Calling order: [`SeenIds::expire`] with a monotonic `now` (seconds) once per received frame, then
//! [`SeenIds::first_time`] for each of its messages. No clock is read here.

use std::collections::{HashSet, VecDeque};
use std::hash::{BuildHasherDefault, Hasher};

/// Bounds of a [`SeenIds`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Limits {
    /// Most ids of any kind remembered.
    pub capacity: usize,
    /// Seconds after which an id of any kind is forgotten.
    pub max_age: f64,
    /// Most comment ids remembered besides (the replay's tier).
    pub comments: usize,
    /// Seconds after which a comment id is forgotten.
    pub comment_max_age: f64,
}

impl Default for Limits {
    /// 1,791 ids for 15 minutes (over half a second of the simulator's busiest room, 10-60 s of a busy real one: a
    /// resume's overlap is a frame or two) and the newest 48 comments for an hour (the replay asks for 6). A new id
    /// goes in before the oldest goes out, so the index holds one more than the count for a moment: at 7/16 of a
    /// power of two at most, its table then stays at the next power of two above twice the count (removals leave
    /// tombstones, and the table is rehashed in place instead of doubled only when at most half full), which makes
    /// about 30 bytes per id.
    fn default() -> Self {
        Limits {
            capacity: 1791,
            max_age: 900.0,
            comments: 48,
            comment_max_age: 3600.0,
        }
    }
}

/// The ids of one tier in arrival order, indexed for lookups. Arrival times are kept per run of ids that came
/// within [`TIME_GRAIN`] of each other (a frame's ids share one), so an id costs its index slot and 8 bytes.
#[derive(Debug)]
struct Window {
    index: HashSet<i64, BuildHasherDefault<IdHasher>>,
    ids: VecDeque<i64>,
    /// (arrival time of the run's first id, ids in the run), oldest first.
    runs: VecDeque<(f64, usize)>,
    capacity: usize,
    max_age: f64,
}

/// Ids that came within this many seconds of the run's first id share its arrival time: ages are exact to a second.
const TIME_GRAIN: f64 = 1.0;

impl Window {
    fn new(capacity: usize, max_age: f64) -> Self {
        Window {
            index: HashSet::default(),
            ids: VecDeque::new(),
            runs: VecDeque::new(),
            capacity,
            max_age,
        }
    }

    fn contains(&self, id: i64) -> bool {
        self.index.contains(&id)
    }

    /// Remembers `id`; false when the window holds it already.
    fn insert(&mut self, id: i64, now: f64) -> bool {
        if self.capacity == 0 {
            return true;
        }
        // One lookup tells a repeat and places a new id; the oldest goes after (see `Limits::default` on why the
        // index may hold one id more).
        if !self.index.insert(id) {
            return false;
        }
        self.ids.push_back(id);
        match self.runs.back_mut() {
            Some((since, count)) if now - *since < TIME_GRAIN => *count += 1,
            _ => self.runs.push_back((now, 1)),
        }
        if self.ids.len() > self.capacity {
            self.forget_oldest(1);
        }
        true
    }

    fn expire(&mut self, now: f64) {
        while let Some(&(since, count)) = self.runs.front() {
            // A `now` earlier than an arrival (or NaN) expires nothing.
            let old_enough = now - since >= self.max_age;
            if !old_enough {
                break;
            }
            self.forget_oldest(count);
        }
        // An emptied window gives its memory back: a room that went quiet holds nothing.
        if self.ids.is_empty() && self.index.capacity() > 0 {
            *self = Window::new(self.capacity, self.max_age);
        }
    }

    fn forget_oldest(&mut self, mut count: usize) {
        while count > 0 {
            let Some((_, run)) = self.runs.front_mut() else {
                return;
            };
            let taken = count.min(*run);
            for _ in 0..taken {
                if let Some(id) = self.ids.pop_front() {
                    self.index.remove(&id);
                }
            }
            *run -= taken;
            count -= taken;
            if *run == 0 {
                self.runs.pop_front();
            }
        }
    }

    fn heap_bytes(&self) -> usize {
        // hashbrown's table: a power of two of buckets (at most 7/8 full), each an i64 and a control byte, plus a
        // group of trailing control bytes.
        let buckets = if self.index.capacity() == 0 {
            0
        } else {
            (self.index.capacity() * 8 / 7).next_power_of_two()
        };
        let index = if buckets == 0 { 0 } else { buckets * 9 + 16 };
        index + self.ids.capacity() * 8 + self.runs.capacity() * 16
    }
}

/// Ids already seen, in two tiers: every id within [`Limits::capacity`] and [`Limits::max_age`], and comment ids
/// within [`Limits::comments`] and [`Limits::comment_max_age`]. Id 0 (a message without one) is never remembered.
#[derive(Debug)]
pub struct SeenIds {
    all: Window,
    comments: Window,
}

impl Default for SeenIds {
    fn default() -> Self {
        SeenIds::new(Limits::default())
    }
}

impl SeenIds {
    #[must_use]
    pub fn new(limits: Limits) -> Self {
        SeenIds {
            all: Window::new(limits.capacity, limits.max_age),
            comments: Window::new(limits.comments, limits.comment_max_age),
        }
    }

    /// Forgets the ids older than their tier's age at `now` (monotonic seconds).
    pub fn expire(&mut self, now: f64) {
        self.all.expire(now);
        self.comments.expire(now);
    }

    /// True the first time `id` is seen (then it is remembered, arriving at `now`; in the comments' tier too when
    /// `comment`). Id 0 is always new.
    pub fn first_time(&mut self, id: i64, comment: bool, now: f64) -> bool {
        if id == 0 {
            return true;
        }
        // Only a comment is looked up in the comments' tier: an id names one message, so only a comment can repeat
        // a comment's id, and most messages of a busy room are not comments (a lookup fewer for each).
        if comment && self.comments.contains(id) {
            return false;
        }
        if !self.all.insert(id, now) {
            return false;
        }
        if comment {
            self.comments.insert(id, now);
        }
        true
    }

    /// Distinct ids remembered.
    #[must_use]
    pub fn len(&self) -> usize {
        self.all.ids.len()
            + self
                .comments
                .ids
                .iter()
                .filter(|id| !self.all.contains(**id))
                .count()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.all.ids.is_empty() && self.comments.ids.is_empty()
    }

    /// Bytes held on the heap, from the structures' capacities (an estimate of the allocator's share; `bench/`
    /// measures the process's memory instead).
    #[must_use]
    pub fn heap_bytes(&self) -> usize {
        self.all.heap_bytes() + self.comments.heap_bytes()
    }
}

/// Hashes an id with murmur3's 64-bit finaliser: fixed (the engine draws no randomness) and mixing every bit, so
/// that ids sharing their low bits (TikTok's are time-based) still spread over the table. Ids come from the server,
/// and a table holds at most [`Limits::capacity`] of them, so even ids chosen to collide cost time bounded by that.
#[derive(Default, Clone, Copy)]
struct IdHasher(u64);

impl Hasher for IdHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = fmix64(self.0 ^ u64::from(byte));
        }
    }

    fn write_i64(&mut self, id: i64) {
        self.0 = fmix64(u64::from_ne_bytes(id.to_ne_bytes()));
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

fn fmix64(mut k: u64) -> u64 {
    k ^= k >> 33;
    k = k.wrapping_mul(0xff51_afd7_ed55_8ccd);
    k ^= k >> 33;
    k = k.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    k ^ (k >> 33)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> SeenIds {
        SeenIds::new(Limits {
            capacity: 4,
            max_age: 60.0,
            comments: 2,
            comment_max_age: 600.0,
        })
    }

    #[test]
    fn a_repeat_is_not_new_and_id_zero_always_is() {
        let mut seen = small();
        assert!(seen.first_time(7, false, 0.0));
        assert!(!seen.first_time(7, false, 1.0));
        assert!(seen.first_time(0, false, 1.0) && seen.first_time(0, false, 1.0));
        assert_eq!(seen.len(), 1);
    }

    #[test]
    fn the_oldest_id_goes_when_the_capacity_is_reached() {
        let mut seen = small();
        for id in 1..=5 {
            assert!(seen.first_time(id, false, 0.0));
        }
        assert_eq!(seen.len(), 4);
        assert!(seen.first_time(1, false, 0.0));
        assert!(!seen.first_time(3, false, 0.0));
    }

    #[test]
    fn ids_expire_by_age_to_the_second() {
        let mut seen = small();
        seen.first_time(1, false, 0.0);
        seen.first_time(2, false, 0.5); // same run as 1
        seen.first_time(3, false, 30.0);
        seen.expire(59.9);
        assert_eq!(seen.len(), 3);
        seen.expire(60.0);
        assert_eq!(seen.len(), 1);
        assert!(!seen.first_time(3, false, 60.0));
        seen.expire(200.0);
        assert!(seen.is_empty());
        assert_eq!(seen.heap_bytes(), 0);
    }

    #[test]
    fn comments_outlive_the_flood_and_the_age_of_other_ids() {
        let mut seen = small();
        seen.first_time(100, true, 0.0);
        for id in 1..=50 {
            seen.first_time(id, false, 1.0);
        }
        assert!(!seen.first_time(100, true, 2.0));
        seen.expire(120.0);
        assert!(!seen.first_time(100, true, 120.0));
        seen.expire(600.0);
        assert!(seen.first_time(100, true, 600.0));
    }

    #[test]
    fn backwards_or_nan_time_expires_nothing() {
        let mut seen = small();
        seen.first_time(1, false, 100.0);
        seen.expire(0.0);
        seen.expire(f64::NAN);
        assert!(!seen.first_time(1, false, 100.0));
    }

    #[test]
    fn memory_stays_bounded_under_a_flood_of_ids() {
        let mut seen = SeenIds::default();
        for id in 1..=200_000 {
            seen.first_time(id << 20, id % 50 == 0, 0.0);
        }
        // The newest 1,791 ids, and the comments among the newest 64 that are older than those.
        assert!((1791..=1791 + 48).contains(&seen.len()), "{}", seen.len());
        assert!(seen.first_time(1 << 20, false, 0.0));
        assert!(!seen.first_time(200_000 << 20, false, 0.0));
        // About 30 bytes an id: the table did not double under the churn.
        assert!(
            seen.heap_bytes() < (1791 + 48) * 32,
            "{} bytes",
            seen.heap_bytes()
        );
    }
}
