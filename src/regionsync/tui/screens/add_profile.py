"""AddProfileScreen: add a profile from the dashboard — both sides' endpoint, region, resource id, key.

The keys are typed into password inputs (shown as dots, never as text) and leave this screen only
as `SecretStr`; the app stores them in the OS keyring and writes the profile with `key = "keyring"`.
The screen validates with the config models (the same rules as `regionsync profile add`) and does no
I/O itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from pydantic import SecretStr, ValidationError
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from regionsync.config import SERVICE_API_VERSIONS, Profile, ServiceProfile, SideConfig, valid_profile_name
from regionsync.domain import Service, Side

_SIDE_FIELDS = ("endpoint", "region", "resource_id", "key")
_PLACEHOLDERS = {
    "endpoint": "https://<name>.cognitiveservices.azure.com",
    "region": "eastus",
    "resource_id": "/subscriptions/…/providers/Microsoft.CognitiveServices/accounts/<name>",
    "key": "the resource's key (hidden; stored in the OS keyring)",
}


@dataclass(frozen=True)
class NewProfile:
    """What the form collected. The keys are SecretStr: their repr and str never show them."""

    name: str
    service: Service
    settings: ServiceProfile
    keys: dict[Side, SecretStr] = field(repr=False)

    def profile(self) -> Profile:
        return Profile().with_service(self.service, self.settings)


class AddProfileScreen(ModalScreen[NewProfile | None]):
    DEFAULT_CSS = """
    AddProfileScreen { align: center middle; }
    AddProfileScreen > Vertical {
        width: 96%; max-width: 110; height: auto; max-height: 96%;
        border: thick $accent; background: $surface; padding: 0 1;
    }
    AddProfileScreen #form-title { text-style: bold; color: $accent; }
    AddProfileScreen VerticalScroll { height: auto; max-height: 18; }
    AddProfileScreen Grid {
        grid-size: 2; grid-columns: 18 1fr; grid-rows: 1; height: auto; grid-gutter: 0 1;
    }
    AddProfileScreen .side-title { text-style: bold; padding: 1 0 0 0; }
    AddProfileScreen Input { border: none; height: 1; padding: 0 1; background: $boost; }
    AddProfileScreen Input:focus { background: $primary 30%; }
    AddProfileScreen Select { height: 1; }
    AddProfileScreen Select > SelectCurrent { border: none; height: 1; padding: 0 1; }
    AddProfileScreen #form-error { color: $error; text-style: bold; height: auto; }
    AddProfileScreen #form-buttons { height: auto; align-horizontal: right; }
    AddProfileScreen Button { margin: 0 0 0 2; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", tooltip="Close without saving.", id="form-cancel"),
    ]

    def __init__(self, existing: tuple[str, ...] = ()) -> None:
        super().__init__()
        self.existing = existing

    def compose(self) -> ComposeResult:
        service = Service.DOCUMENT_INTELLIGENCE
        versions = SERVICE_API_VERSIONS[service]
        with Vertical():
            yield Static("Add a profile", id="form-title")
            with VerticalScroll():
                with Grid():
                    yield Label("profile name")
                    yield Input(placeholder="contoso (letters, digits, - and _)", id="name", compact=True)
                    yield Label("service")
                    yield Select([(s.value, s.value) for s in Service], value=service.value,
                                 allow_blank=False, id="service", compact=True)
                    yield Label("api version")
                    yield Select([(v, v) for v in versions], value=versions[-1], allow_blank=False,
                                 id="api_version", compact=True)
                for side in Side:
                    yield Static(f"{side.value} resource", classes="side-title")
                    with Grid():
                        for name in _SIDE_FIELDS:
                            yield Label(name.replace("_", " "))
                            yield Input(
                                placeholder=_PLACEHOLDERS[name],
                                password=name == "key",
                                id=f"{side.value}-{name}",
                                compact=True,
                            )
            yield Static("", id="form-error", markup=False)
            with Horizontal(id="form-buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Save", id="save", variant="primary")

    def on_mount(self) -> None:
        for widget in self.query(Input):
            widget.cursor_blink = False
        self.query_one("#name", Input).focus()

    @on(Select.Changed, "#service")
    def _service_changed(self, event: Select.Changed) -> None:
        versions = SERVICE_API_VERSIONS[Service(str(event.value))]
        select = self.query_one("#api_version", Select)
        select.set_options([(v, v) for v in versions])
        select.value = versions[-1]

    def _value(self, widget_id: str) -> str:
        return self.query_one(f"#{widget_id}", Input).value.strip()

    def collect(self) -> NewProfile:
        """The form as a NewProfile; ValueError with a sentence naming the field when it is wrong."""
        name = self._value("name")
        if not valid_profile_name(name):
            raise ValueError("profile name: use letters, digits, '-' and '_' only")
        if name in self.existing:
            raise ValueError(f"profile name: {name!r} exists already; pick another name")
        service = Service(str(self.query_one("#service", Select).value))
        api_version = str(self.query_one("#api_version", Select).value)
        sides: dict[Side, SideConfig] = {}
        keys: dict[Side, SecretStr] = {}
        for side in Side:
            key = self.query_one(f"#{side.value}-key", Input).value.strip()
            if not key:
                raise ValueError(f"{side.value} key: paste the resource's key")
            keys[side] = SecretStr(key)
            try:
                sides[side] = SideConfig(
                    endpoint=self._value(f"{side.value}-endpoint"),
                    region=self._value(f"{side.value}-region"),
                    resource_id=self._value(f"{side.value}-resource_id"),
                    key="keyring",
                )
            except ValidationError as exc:
                first = exc.errors(include_url=False)[0]
                where = ".".join(str(p) for p in first["loc"]).replace("_", " ")
                raise ValueError(f"{side.value} {where}: {first['msg']}") from None
        settings = ServiceProfile(api_version=api_version, primary=sides[Side.PRIMARY],
                                  secondary=sides[Side.SECONDARY])
        return NewProfile(name=name, service=service, settings=settings, keys=keys)

    @on(Button.Pressed, "#save")
    def _save(self) -> None:
        try:
            result = self.collect()
        except ValueError as exc:
            self.query_one("#form-error", Static).update(str(exc))
            return
        for side in Side:
            self.query_one(f"#{side.value}-key", Input).value = ""
        self.dismiss(result)

    @on(Button.Pressed, "#cancel")
    def _cancel_button(self) -> None:
        self.action_cancel()

    def action_cancel(self) -> None:
        for side in Side:
            self.query_one(f"#{side.value}-key", Input).value = ""
        self.dismiss(None)
