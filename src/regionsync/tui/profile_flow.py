"""Adding a profile from the dashboard: the form, then the profile saved — its file and keyring I/O in
a worker thread, never on the UI loop — and opened when none was.

`AddProfileFlow.start()` shows the form at once (the names already taken are read in a thread and
handed to the form as soon as they are known); a filled-in form is saved by `save_profile` in a thread
(keys to the OS keyring, the profile to the config file); a failure there reaches the app's worker
error routing (group `profile`: "Saving the profile failed" with the error's what / why / what to do).
The helpers that read the config file (`existing_profiles`, `open_profile_session`) live here too.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.app import App

from regionsync.errors import RegionSyncError
from regionsync.tui.screens.add_profile import AddProfileScreen, NewProfile

if TYPE_CHECKING:
    from regionsync.sync.session import SyncSession

PROFILE_GROUP = "profile"
"""The worker group saving a profile (the app routes its failure to an error screen)."""


def config_file(path: Path | None) -> Path:
    """The config file: `path`, or the user's default one."""
    from regionsync.config import config_path

    return config_path(path)


def existing_profiles(path: Path) -> tuple[str, ...]:
    """The names of the profiles in the config file at `path` (none when it cannot be read)."""
    from regionsync.config import load_config

    try:
        return tuple(load_config(path).profiles)
    except RegionSyncError:
        return ()


def save_profile(new: NewProfile, path: Path) -> None:
    """Store `new`'s keys in the OS keyring, then add it to the config file (the default profile when
    there was none). Blocking: call it from a thread."""
    from regionsync.config import load_config, save_config
    from regionsync.credentials import store_key

    config = load_config(path)
    profiles = {**config.profiles, new.name: new.profile()}
    updated = config.model_copy(update={"profiles": profiles,
                                        "default_profile": config.default_profile or new.name})
    for side, key in new.keys.items():
        store_key(new.name, new.service, side, key)
    save_config(updated, path)


def open_profile_session(name: str, path: Path) -> SyncSession:
    """A SyncSession for profile `name` of the config file at `path`, journaling to the user's journal."""
    from regionsync.config import load_config, select_profile
    from regionsync.locations import journal_file
    from regionsync.sync.journal import Journal
    from regionsync.sync.session import SyncSession

    config = load_config(path)
    chosen, profile = select_profile(config, name)
    return SyncSession(chosen, profile, journal=Journal(journal_file()))


class AddProfileFlow:
    """The add-profile form and what follows it, for one app.

    `saved(name)` runs (in the saving worker) once the profile is in the config file and its keys in
    the keyring: the app opens it when no profile was open.
    """

    def __init__(self, app: App[Any], path: Path, saved: Callable[[str], Awaitable[None]]) -> None:
        self.app = app
        self.path = path
        self._saved = saved

    def start(self) -> None:
        """Show the form; the names already taken reach it once read."""
        form = AddProfileScreen()
        self.app.push_screen(form, self._entered)
        self.app.run_worker(self._read_names(form), group="profile-names", exit_on_error=False,
                            description="Reading the profiles' names")

    async def _read_names(self, form: AddProfileScreen) -> None:
        form.existing = await asyncio.to_thread(existing_profiles, self.path)

    def _entered(self, new: NewProfile | None) -> None:
        if new is not None:
            self.app.run_worker(self._save(new), group=PROFILE_GROUP, exit_on_error=False,
                                description="Saving the profile")

    async def _save(self, new: NewProfile) -> None:
        await asyncio.to_thread(save_profile, new, self.path)
        self.app.notify(f"Profile {new.name!r} saved; its keys are in the OS keyring.", title="Profile added")
        await self._saved(new.name)
