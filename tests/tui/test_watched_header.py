"""The header says when a `regionsync watch` holds the profile (issue 16, item 5), from the journal's
`watchers` row, and follows it at each inventory refresh."""

from __future__ import annotations

from datetime import timedelta

from tui_support import FROZEN_NOW, SIZE, Dashboard, screen_text, settle

from regionsync.sync.leases import this_process


async def test_the_header_says_who_watches_the_profile_and_when_it_looks_next(dashboard: Dashboard) -> None:
    owner = this_process()
    journal = dashboard.journal()
    assert journal.claim_watcher(dashboard.profile_name, owner=owner.key(), interval=300.0,
                                 may_take=lambda row: True) is None
    assert journal.beat_watcher(dashboard.profile_name, owner=owner.key(),
                                next_check=FROZEN_NOW + timedelta(minutes=40))
    words = f"watched by pid {owner.pid} on {owner.host}, next check 16:10"
    app = dashboard.app(auto_refresh=0)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        header = screen_text(app).splitlines()[0]
        assert "regionsync · profile contoso" in header and words in header
        assert "failover readiness" in header

        journal.release_watcher(dashboard.profile_name, owner=owner.key())  # the watcher stops
        await pilot.press("r")
        await settle(pilot)
        assert "watched by" not in screen_text(app), "the next refresh drops the line"
    journal.close()


async def test_an_unwatched_profile_says_nothing_about_watching(dashboard: Dashboard) -> None:
    app = dashboard.app(auto_refresh=0)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "watched by" not in screen_text(app)
