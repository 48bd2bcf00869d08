"""The text of `regionsync emulator --help`: the scenario file format and the admin API.

Kept free of imports so that the CLI can show it without loading the emulator. Lines stay under
78 columns so that an 80-column terminal shows them unwrapped.
"""

from __future__ import annotations

SCENARIO_FORMAT = """\
Scenario file (TOML); without --scenario the shipped demo world is served:

  [clock]
  speed = 1.0           # emulated s per real s (0: moves by admin API only)
  copy_seconds = 6.0    # how long a copy takes, in emulated seconds
  train_seconds = 20.0  # how long a Language training job takes
  job_seconds = 4.0     # Language export / import / deploy jobs
  start = 2024-05-01T00:00:00Z          # optional: emulated time at start
  retry_hints = false   # true: Retry-After on DI copy 202s and polls
                        # (Azure's recorded copies send none)
  newest_ago = "3h"     # optional: move every asset timestamp so the
                        # newest is this long before start (3h, 90m, 2d)
  span = "14d"          # optional, with newest_ago: squeeze them into
                        # at most this long, in their order

  [[resource]]
  name = "contoso-di-eus"      # endpoint http://127.0.0.1:PORT/{name}
  service = "document-intelligence"
  region = "eastus"            # one loopback port per region
  keys = ["key-one", "key-two"]         # optional: random when absent
  custom_model_limit = 250              # optional
  encrypted = false                     # optional: AEK/CMK
  resource_id = "/subscriptions/…/accounts/contoso-di-eus"  # optional
  disable_local_auth = false            # optional: true refuses keys (403)

  [[resource.identity]]        # Entra ID: Authorization: Bearer <token>
  name = "sync-bot"            # token from POST /_emulator/token
  role = "Cognitive Services User"      # Contributor etc.: 403 on data

  [[resource.model]]           # a v3+/v4 document model
  id = "invoice"
  description = "Invoices 2024"
  doc_types = ["invoice"]
  fields = ["VendorName", "InvoiceTotal"]   # optional
  tags = { team = "finance" }               # optional
  created = 2024-10-02T09:14:00Z            # optional

  [[resource.legacy_model]]    # a v2.1 custom model (GUID id)
  name = "receipts-2020"
  id = "3b1e6c5b-e113-4114-ab6b-ce65dfe8050f"   # optional

  [[resource.classifier]]
  id = "mail-sorter"
  doc_types = ["invoice", "receipt"]

  [[resource.generate]]        # bulk: bulk-0001 … bulk-5000
  count = 5000
  prefix = "bulk-"
  kind = "model"               # model | legacy_model | classifier

  [[resource]]
  name = "contoso-cu-wus"
  service = "content-understanding"     # analyzers, API 2025-11-01
  region = "westus"

  [[resource.analyzer]]
  id = "invoice-extractor"
  base_analyzer = "prebuilt-document"
  description = "Invoices"
  models = { completion = "gpt-4.1", embedding = "text-embedding-3-large" }
  fields = ["VendorName", "InvoiceTotal"]   # optional: the field schema
  tags = { team = "finance" }               # optional
  created = 2025-11-10T09:00:00Z            # optional (and modified)

  [[resource.deployment]]      # model deployment, in GET defaults
  name = "gpt-4.1"
  model = "gpt-4.1"

  [[resource]]
  name = "contoso-lang-eus"
  service = "language"         # custom text classification projects
  region = "eastus"

  [[resource.project]]
  name = "ticket-triage"
  language = "en-us"
  multilingual = false
  model_type = "multiClassification"   # or "singleClassification"
  classes = ["Billing", "Technical"]   # optional, with `documents` per class
  trained_models = ["v1"]              # optional
  deployments = { prod = "v1" }        # optional: deployment -> model
  modified = 2025-11-02T10:00:00Z      # optional (and created)

  [[fault]]                    # on from the start (see the admin API)
  kind = "throttle"            # outage | latency | throttle | errors |
                               # malformed | copy-failure (also fails
                               # analyzer copies and Language jobs)
  share = 0.25                 # deterministic: every fourth request
  retry_after = 2
  region = "eastus"            # optional scope: region, resource, count

Unknown keys are errors; a bad file is reported with its name, line and
field, and the exit code is 2.
"""

ADMIN_API = """\
Admin API (JSON bodies) on the admin port:

  GET    /_emulator/world                resources, assets, operations
  POST   /_emulator/faults/outage        {"region": "eastus", "down": true}
  POST   /_emulator/faults/latency       {"ms": 250, "region": "eastus"}
  POST   /_emulator/faults/throttle      {"share": 0.5, "retry_after": 1}
  POST   /_emulator/faults/errors        {"share": 0.2, "status": 503}
  POST   /_emulator/faults/malformed     {"share": 1.0, "count": 3}
  POST   /_emulator/faults/copy-failure  {"resource": "…", "at_percent": 50}
  DELETE /_emulator/faults               every fault off
  GET    /_emulator/clock                now, speed, copy/train/job seconds
  POST   /_emulator/clock                {"speed": 10, "copy_seconds": 6}
           "retry_hints": true  Retry-After on DI copies from now on
  POST   /_emulator/clock/advance        {"seconds": 30}
  POST   /_emulator/touch                {"resource", "kind", "id"}
           kind: model | classifier | legacy_model | analyzer | project
  GET    /_emulator/identities           tenant, identities, their roles
  POST   /_emulator/token                {"identity": "sync-bot"}  what
           `az account get-access-token` prints ("lifetime"?, "scope"?)
  POST   /_emulator/identities/role      {"resource", "identity", "role"}
  POST   /_emulator/local-auth           {"resource", "disabled": true}

Faults take an optional scope ("region", "resource") and "count".
With --json the first line on stdout is one JSON object:
  {"admin": URL, "resources": [{"name", "service", "region",
   "endpoint", "resource_id", "keys", "disable_local_auth"}]}
"""

EPILOG = SCENARIO_FORMAT + "\n" + ADMIN_API
