"""The emulator's Entra ID: bearer tokens for the scenario's identities beside keys, checked as Azure does.

Tokens come from the admin API (`POST /_emulator/token`, the shape `az account get-access-token`
prints); the gateway checks signature, audience, tenant and expiry (401 in Azure's bearer words), the
identity's role on the resource (403 PermissionDenied), and refuses keys where they are disabled
(403 AuthenticationTypeDisabled). Everything in process, on a frozen clock.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from regionsync.emulator import Clock, EmulatorTransport, World, parse_scenario
from regionsync.emulator.auth import COGNITIVE_AUDIENCE, directory
from regionsync.emulator.scenario import ScenarioError
from regionsync.emulator.tokens import issue_jwt

SCENARIO = """
[[resource]]
name = "open-di"
region = "eastus"
keys = ["open-key-1", "open-key-2"]

[[resource.identity]]
name = "sync-bot"
role = "Cognitive Services User"

[[resource]]
name = "locked-di"
region = "westus2"
keys = ["locked-key-1", "locked-key-2"]
disable_local_auth = true

[[resource.identity]]
name = "sync-bot"

[[resource.identity]]
name = "ops@contoso.com"
role = "Contributor"
"""
LIST = "/documentintelligence/documentModels?api-version=2024-11-30"
BEARER_401 = (
    "Unauthorized. Access token is missing, invalid, audience is incorrect "
    "(https://cognitiveservices.azure.com), or have expired."
)


def world() -> World:
    return World.from_scenario(parse_scenario(SCENARIO), clock=Clock(speed=0))


async def token(client: httpx.AsyncClient, w: World, identity: str, **extra: Any) -> dict[str, Any]:
    answer = await client.post(f"{w.admin_url}/_emulator/token", json={"identity": identity, **extra})
    assert answer.status_code == 200, answer.text
    return answer.json()


async def call(client: httpx.AsyncClient, w: World, resource: str, headers: dict[str, str]) -> httpx.Response:
    return await client.get(f"{w.endpoint(resource)}{LIST}", headers=headers)


def bearer(value: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {value}"}


async def test_a_token_of_an_identity_with_a_data_role_opens_the_resource() -> None:
    w = world()
    async with httpx.AsyncClient(transport=EmulatorTransport(w)) as client:
        issued = await token(client, w, "sync-bot")
        assert issued["tokenType"] == "Bearer" and issued["tenant"] == directory(w).tenant_id
        assert issued["expires_on"] == int(w.clock.now().timestamp()) + 3600
        assert (await call(client, w, "locked-di", bearer(issued["accessToken"]))).status_code == 200
        assert (await call(client, w, "open-di", bearer(issued["accessToken"]))).status_code == 200
        # keys keep working beside tokens where they are enabled
        assert (
            await call(client, w, "open-di", {"Ocp-Apim-Subscription-Key": "open-key-2"})
        ).status_code == 200


@pytest.mark.parametrize("case", ["tampered", "other-world", "audience", "expired", "not-bearer", "garbage"])
async def test_a_bad_or_expired_token_gets_azures_401(case: str) -> None:
    w = world()
    async with httpx.AsyncClient(transport=EmulatorTransport(w)) as client:
        good = (await token(client, w, "sync-bot"))["accessToken"]
        if case == "tampered":
            header, payload, signature = good.split(".")
            headers = bearer(f"{header}.{payload}.{signature[:-2]}AA")
        elif case == "other-world":
            other = world()
            async with httpx.AsyncClient(transport=EmulatorTransport(other)) as other_client:
                headers = bearer((await token(other_client, other, "sync-bot"))["accessToken"])
        elif case == "audience":
            wrong = await token(client, w, "sync-bot", scope="https://management.azure.com/.default")
            headers = bearer(wrong["accessToken"])
        elif case == "expired":
            short = await token(client, w, "sync-bot", lifetime=120)
            w.clock.advance(120)
            headers = bearer(short["accessToken"])
        elif case == "not-bearer":
            headers = {"Authorization": f"Basic {good}"}
        else:
            headers = bearer("not-a-jwt")
        answer = await call(client, w, "locked-di", headers)
    assert answer.status_code == 401
    assert answer.json() == {"error": {"code": "401", "message": BEARER_401}}


async def test_a_token_signed_with_the_right_secret_for_another_tenant_is_refused() -> None:
    w = world()
    entra = directory(w)
    now = int(w.clock.now().timestamp())
    claims = {
        "aud": COGNITIVE_AUDIENCE,
        "exp": now + 600,
        "oid": entra.identities["sync-bot"].object_id,
        "tid": "00000000-0000-0000-0000-000000000001",
    }
    async with httpx.AsyncClient(transport=EmulatorTransport(w)) as client:
        answer = await call(client, w, "locked-di", bearer(issue_jwt(entra.secret, claims)))
        assert answer.status_code == 401
        claims["tid"] = entra.tenant_id
        assert (
            await call(client, w, "locked-di", bearer(issue_jwt(entra.secret, claims)))
        ).status_code == 200


async def test_an_identity_without_a_data_role_gets_permission_denied() -> None:
    w = world()
    oid = directory(w).identities["ops@contoso.com"].object_id
    async with httpx.AsyncClient(transport=EmulatorTransport(w)) as client:
        ops = (await token(client, w, "ops@contoso.com"))["accessToken"]
        contributor = await call(client, w, "locked-di", bearer(ops))  # Contributor: control plane only
        elsewhere = await call(client, w, "open-di", bearer(ops))  # no role there at all
        for answer in (contributor, elsewhere):
            assert answer.status_code == 403
            error = answer.json()["error"]
            assert error["code"] == "PermissionDenied"
            assert f"The principal `{oid}` lacks the required data action" in error["message"]
            assert "Microsoft.CognitiveServices/accounts/FormRecognizer/" in error["message"]
        # a role assigned through the admin API applies at once
        assigned = await client.post(
            f"{w.admin_url}/_emulator/identities/role",
            json={"resource": "locked-di", "identity": "ops@contoso.com", "role": "Cognitive Services User"},
        )
        assert assigned.status_code == 200
        assert (await call(client, w, "locked-di", bearer(ops))).status_code == 200


async def test_a_resource_with_keys_disabled_refuses_every_key_as_azure_does() -> None:
    w = world()
    async with httpx.AsyncClient(transport=EmulatorTransport(w)) as client:
        for key in ("locked-key-1", "wrong-key"):
            answer = await call(client, w, "locked-di", {"Ocp-Apim-Subscription-Key": key})
            assert answer.status_code == 403
            assert answer.json() == {
                "error": {
                    "code": "AuthenticationTypeDisabled",
                    "message": "Key based authentication is disabled for this resource.",
                }
            }
        assert (await call(client, w, "locked-di", {})).status_code == 401
        enabled = await client.post(
            f"{w.admin_url}/_emulator/local-auth", json={"resource": "locked-di", "disabled": False}
        )
        assert enabled.json()["local_auth_disabled"] == []
        answer = await call(client, w, "locked-di", {"Ocp-Apim-Subscription-Key": "locked-key-1"})
        assert answer.status_code == 200


async def test_the_admin_api_lists_identities_and_refuses_unknown_ones() -> None:
    w = world()
    async with httpx.AsyncClient(transport=EmulatorTransport(w)) as client:
        view = (await client.get(f"{w.admin_url}/_emulator/identities")).json()
        unknown = await client.post(f"{w.admin_url}/_emulator/token", json={"identity": "nobody"})
        bad_role = await client.post(
            f"{w.admin_url}/_emulator/identities/role",
            json={"resource": "open-di", "identity": "sync-bot", "role": "Janitor"},
        )
    assert view["local_auth_disabled"] == ["locked-di"]
    roles = {i["name"]: i["roles"] for i in view["identities"]}
    assert roles == {
        "sync-bot": {"locked-di": "Cognitive Services User", "open-di": "Cognitive Services User"},
        "ops@contoso.com": {"locked-di": "Contributor"},
    }
    assert "secret" not in str(view) and "accessToken" not in str(view)
    assert unknown.status_code == 404 and "nobody" in unknown.json()["error"]
    assert bad_role.status_code == 400 and "Janitor" in bad_role.json()["error"]


def test_scenario_identities_are_checked_with_file_line_and_field() -> None:
    bad_role = SCENARIO.replace('role = "Contributor"', 'role = "Janitor"')
    with pytest.raises(ScenarioError) as info:
        parse_scenario(bad_role, "ids.toml")
    assert info.value.field == "resource[1].identity[1].role"
    assert str(info.value).startswith(f"ids.toml:{info.value.line}:")
    twice = SCENARIO + '\n[[resource.identity]]\nname = "sync-bot"\n'
    with pytest.raises(ScenarioError, match="identity 'sync-bot' appears twice"):
        parse_scenario(twice, "ids.toml")


def test_the_demo_world_has_a_keys_disabled_resource_reached_with_entra() -> None:
    from regionsync.demo import DEMO_IDENTITY, demo_profiles, world_resources
    from regionsync.domain import Service
    from regionsync.emulator import load_scenario
    from regionsync.emulator.scenario import demo_scenario_path

    demo = World.from_scenario(load_scenario(demo_scenario_path()), clock=Clock(speed=0))
    entra = directory(demo)
    assert entra.keys_disabled == {"contoso-lang-wus2"}
    assert entra.may_call(entra.identities[DEMO_IDENTITY], "contoso-lang-wus2")
    env: dict[str, str] = {}
    profile = demo_profiles(world_resources(demo), env)["contoso"]
    language = profile.services()[Service.LANGUAGE]
    assert language.secondary is not None and language.secondary.key == "entra"
    assert not any("LANG_WUS2" in variable for variable in env)
