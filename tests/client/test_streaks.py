"""Gift streaks are counted once: one GiftStreak per finished streak, expired ones finished by time."""

from __future__ import annotations

from tiktok_webcast import GiftEvent, GiftStreakTracker, User


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def gift(count: int, *, end: bool = False, group: int = 77, gift_type: int = 1, user_id: int = 1) -> GiftEvent:
    return GiftEvent(
        id=5655,
        name="Rose",
        cost=1,
        type=gift_type,
        repeat_count=count,
        repeat_end=end,
        group_id=group,
        user=User(id=user_id, username=f"u{user_id}"),
    )


def test_a_streak_counts_once_on_its_final_message() -> None:
    tracker = GiftStreakTracker()
    assert tracker.feed(gift(1)) == []
    assert tracker.feed(gift(2)) == []
    assert tracker.feed(gift(3)) == []
    [streak] = tracker.feed(gift(3, end=True))
    assert (streak.count, streak.diamonds, streak.expired) == (3, 3, False)
    assert tracker.open_streaks == 0


def test_a_gift_that_does_not_streak_counts_at_once() -> None:
    tracker = GiftStreakTracker()
    [streak] = tracker.feed(GiftEvent(id=1, name="Lion", cost=29999, type=2, repeat_count=1))
    assert (streak.count, streak.diamonds) == (1, 29999)


def test_interleaved_streaks_of_two_users_stay_apart() -> None:
    tracker = GiftStreakTracker()
    tracker.feed(gift(1, user_id=1, group=10))
    tracker.feed(gift(1, user_id=2, group=20))
    tracker.feed(gift(2, user_id=1, group=10))
    [second] = tracker.feed(gift(5, end=True, user_id=2, group=20))
    [first] = tracker.feed(gift(2, end=True, user_id=1, group=10))
    assert (first.user.id if first.user else None, first.count) == (1, 2)
    assert (second.user.id if second.user else None, second.count) == (2, 5)


def test_a_lost_final_expires_with_the_last_count() -> None:
    clock = FakeClock()
    tracker = GiftStreakTracker(expire_after=60, clock=clock)
    tracker.feed(gift(4))
    clock.now = 59
    assert tracker.expire() == []
    clock.now = 61
    [streak] = tracker.expire()
    assert (streak.count, streak.expired) == (4, True)
    assert tracker.open_streaks == 0


def test_gift_event_streak_properties() -> None:
    assert gift(2).streakable and not gift(2).streak_finished
    assert gift(2, end=True).streak_finished
    assert GiftEvent(type=2).streak_finished
    assert GiftEvent(cost=10, repeat_count=0).diamonds == 10
    assert GiftEvent(cost=10, repeat_count=7).diamonds == 70


def test_open_streaks_are_finished_when_the_stream_ends() -> None:
    tracker = GiftStreakTracker()
    tracker.feed(gift(3, group=1))
    tracker.feed(gift(2, group=2, user_id=2))
    streaks = tracker.finish_all()
    assert sorted((s.count, s.expired) for s in streaks) == [(2, True), (3, True)]
    assert tracker.open_streaks == 0 and tracker.finish_all() == []


def test_two_senders_with_the_same_gift_and_group_id_stay_apart() -> None:
    # Nothing says group ids are unique across senders: two viewers may stream the same gift under one id.
    tracker = GiftStreakTracker()
    tracker.feed(gift(1, user_id=1, group=7))
    tracker.feed(gift(1, user_id=2, group=7))
    tracker.feed(gift(2, user_id=1, group=7))
    assert tracker.open_streaks == 2
    [second] = tracker.feed(gift(4, end=True, user_id=2, group=7))
    assert (second.user.id if second.user else None, second.count) == (2, 4)
    assert tracker.open_streaks == 1
    [first] = tracker.feed(gift(3, end=True, user_id=1, group=7))
    assert (first.user.id if first.user else None, first.count) == (1, 3)
