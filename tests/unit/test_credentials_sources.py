"""Key sources: keyring (a throwaway file backend), environment, Entra ID; redaction; no secret in reprs."""

from __future__ import annotations

import pytest

from regionsync.credentials import (
    KEY_HEADER,
    KeyCredential,
    KeySourceKind,
    delete_key,
    describe_key,
    keyring_username,
    parse_key_source,
    redact,
    resolve_credential,
    store_key,
)
from regionsync.domain import Service, Side
from regionsync.errors import RegionSyncError

DI = Service.DOCUMENT_INTELLIGENCE
KEY = "5f1c0d2e9a8b47c6b3e2d1f0a9b8c7d6"


async def test_keyring_round_trip() -> None:
    store_key("contoso", DI, Side.PRIMARY, KEY)
    credential = resolve_credential("keyring", profile="contoso", service=DI, side=Side.PRIMARY)
    assert await credential.auth_headers() == {KEY_HEADER: KEY}
    assert credential.secrets() == [KEY]
    assert describe_key("keyring", profile="contoso", service=DI, side=Side.PRIMARY).found is True
    assert delete_key("contoso", DI, Side.PRIMARY) is True
    assert delete_key("contoso", DI, Side.PRIMARY) is False
    with pytest.raises(RegionSyncError) as info:
        resolve_credential("keyring", profile="contoso", service=DI, side=Side.PRIMARY)
    assert "regionsync profile add contoso --side primary" in info.value.todo
    assert "contoso/document-intelligence/primary" in info.value.why


def test_keyring_username_shape() -> None:
    assert keyring_username("p", DI, Side.SECONDARY) == "p/document-intelligence/secondary"


async def test_environment_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONTOSO_KEY", KEY)
    credential = resolve_credential("env:CONTOSO_KEY", profile="p", service=DI, side=Side.SECONDARY)
    assert await credential.auth_headers() == {KEY_HEADER: KEY}
    status = describe_key("env:CONTOSO_KEY", profile="p", service=DI, side=Side.SECONDARY)
    assert (status.source, status.location, status.found) == ("env:CONTOSO_KEY", "$CONTOSO_KEY", True)


def test_missing_environment_variable_says_how(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NOT_SET_KEY", raising=False)
    with pytest.raises(RegionSyncError) as info:
        resolve_credential("env:NOT_SET_KEY", profile="p", service=DI, side=Side.SECONDARY)
    assert info.value.code == "KeyMissing"
    assert "export NOT_SET_KEY=" in info.value.todo
    assert describe_key("env:NOT_SET_KEY", profile="p", service=DI, side=Side.SECONDARY).found is False


@pytest.mark.parametrize("spec", ["", "vault", "env:", "env:1ABC", "env:A-B", "Keyring"])
def test_bad_specs_are_refused(spec: str) -> None:
    with pytest.raises(ValueError):
        parse_key_source(spec)
    with pytest.raises(RegionSyncError) as info:
        resolve_credential(spec, profile="p", service=DI, side=Side.PRIMARY)
    assert info.value.code == "KeySourceInvalid"


def test_entra_is_a_known_source() -> None:
    assert parse_key_source("entra").kind is KeySourceKind.ENTRA
    status = describe_key("entra", profile="p", service=DI, side=Side.PRIMARY)
    assert status.found is None and "cognitiveservices" in status.location


async def test_entra_without_the_extra_says_how_to_install_it() -> None:
    try:
        import azure.identity  # noqa: F401
    except ImportError:
        pass
    else:
        pytest.skip("azure-identity is installed here")
    credential = resolve_credential("entra", profile="p", service=DI, side=Side.PRIMARY)
    with pytest.raises(RegionSyncError) as info:
        await credential.auth_headers()
    assert "regionsync[entra]" in info.value.todo
    assert credential.secrets() == []


def test_key_never_shows_in_repr_or_str() -> None:
    credential = KeyCredential(KEY)
    assert KEY not in repr(credential) and KEY not in str(credential)


def test_redact_replaces_every_secret_and_ignores_tiny_ones() -> None:
    text = f"key={KEY} again {KEY} and ab"
    assert redact(text, [KEY, "ab", ""]) == "key=*** again *** and ab"
    assert redact("", [KEY]) == ""


def test_empty_key_is_not_stored() -> None:
    with pytest.raises(RegionSyncError):
        store_key("p", DI, Side.PRIMARY, "   ")
