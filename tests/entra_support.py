"""The Entra ID test world shared by the client and CLI tests: a resource with keys, and one with
key authentication disabled that grants roles to two identities (one without a data role)."""

from __future__ import annotations

ENTRA_SCENARIO = """
[[resource]]
name = "open-di"
region = "eastus"
keys = ["open-key-0123456789", "open-key-9876543210"]

[[resource.model]]
id = "invoice"
description = "Invoices"
doc_types = ["invoice"]

[[resource]]
name = "locked-di"
region = "westus2"
keys = ["locked-key-0123456789", "locked-key-9876543210"]
disable_local_auth = true

[[resource.identity]]
name = "sync-bot@contoso.com"

[[resource.identity]]
name = "ops-contributor"
role = "Contributor"
"""
ENTRA_KEYS = ("open-key-0123456789", "open-key-9876543210", "locked-key-0123456789", "locked-key-9876543210")
