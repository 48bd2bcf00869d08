"""Every registered adapter implements the whole AssetAdapter contract, checked member by member.

No probes: each Protocol member (attribute or method) must be present on the adapter class, each
method with a signature the engine may call as the Protocol declares it (same parameters in the same
order and kind, the same defaults), async where the Protocol's is. A fourth service added to the
registry is checked here without a line changed.
"""

from __future__ import annotations

import inspect
from typing import Any

import httpx
import pytest

from regionsync.credentials import KeyCredential
from regionsync.services.base import AdapterBase, AssetAdapter, CopyApi, ServiceAdapter
from regionsync.services.http import AzureHttp
from regionsync.services.registry import ADAPTERS, make_adapter

PROTOCOLS = (ServiceAdapter, CopyApi)
COPY_METHODS = ("authorize_copy", "start_copy", "find_copy_operation")


def protocol_members(protocol: type) -> tuple[set[str], dict[str, Any]]:
    """(attribute names, methods by name) a Protocol declares itself."""
    attributes = set(inspect.get_annotations(protocol))
    methods = {
        name: value
        for name, value in vars(protocol).items()
        if inspect.isfunction(value) and not name.startswith("_")
    }
    return attributes, methods


def _http() -> AzureHttp:
    """An HTTP layer that is never used: building an adapter sends nothing."""
    client = httpx.AsyncClient()
    return AzureHttp("https://unused.example", KeyCredential("k"), client=client, api_version=None)


ADAPTER_CLASSES = sorted(ADAPTERS.values(), key=lambda cls: cls.__name__)


def test_the_whole_contract_is_the_two_protocols() -> None:
    attributes, methods = set(), set()
    for protocol in PROTOCOLS:
        a, m = protocol_members(protocol)
        attributes |= a
        methods |= set(m)
    assert {"recipe", "delete_asset", "copy_blockers", "cancel_operation", *COPY_METHODS} <= methods
    assert {"keeps_ids", "replaces_in_place", "copy_story", "has_copy_api", "copy_direction"} <= attributes
    assert ServiceAdapter in AssetAdapter.__mro__ and CopyApi in AssetAdapter.__mro__


@pytest.mark.parametrize("adapter", ADAPTER_CLASSES, ids=lambda cls: cls.__name__)
@pytest.mark.parametrize("protocol", PROTOCOLS, ids=lambda p: p.__name__)
def test_every_adapter_implements_every_protocol_member(adapter: type, protocol: type) -> None:
    attributes, methods = protocol_members(protocol)
    for service, cls in ADAPTERS.items():
        if cls is not adapter:
            continue
        for version in adapter.versions:  # attributes may be set per instance (DI v2.1 keeps no ids)
            made = make_adapter(service, version, _http(), resource_id="rid", region="eastus")
            for name in attributes:
                assert hasattr(made, name), f"{adapter.__name__} ({version}) has no {name}"
    for name, declared in methods.items():
        implemented = inspect.getattr_static(adapter, name, None)
        assert implemented is not None, f"{adapter.__name__} has no {name}()"
        assert inspect.iscoroutinefunction(implemented) == inspect.iscoroutinefunction(declared), name
        want = inspect.signature(declared)
        have = inspect.signature(implemented)
        assert [(p.name, p.kind, p.default) for p in have.parameters.values()] == [
            (p.name, p.kind, p.default) for p in want.parameters.values()
        ], f"{adapter.__name__}.{name}{have} does not match the Protocol's {name}{want}"


@pytest.mark.parametrize("adapter", ADAPTER_CLASSES, ids=lambda cls: cls.__name__)
def test_copy_methods_are_the_services_own_exactly_where_it_has_a_copy_api(adapter: type) -> None:
    """A service with a copy API implements it; one without leaves AdapterBase's refusals in place."""
    base = vars(AdapterBase)
    own = {name for name in COPY_METHODS if inspect.getattr_static(adapter, name) is not base[name]}
    assert own == (set(COPY_METHODS) if adapter.has_copy_api else set()), adapter.__name__


def test_services_never_import_the_engine() -> None:
    from pathlib import Path

    import regionsync.services

    folder = Path(regionsync.services.__file__).parent
    for path in folder.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "regionsync.sync" not in text, f"{path.name} imports the engine"
