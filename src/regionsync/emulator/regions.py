"""Azure region names the emulator accepts as a copy's `targetResourceRegion`.

A region is supported when it is one of Azure's (below) or one a scenario created resources in;
anything else is "Invalid or unsupported targetResourceRegion".
"""

from __future__ import annotations

import re

REGION_PATTERN = re.compile(r"^[a-z0-9]{1,24}$")

AZURE_REGIONS: frozenset[str] = frozenset(
    {
        "australiaeast",
        "australiasoutheast",
        "brazilsouth",
        "canadacentral",
        "canadaeast",
        "centralindia",
        "centralus",
        "eastasia",
        "eastus",
        "eastus2",
        "francecentral",
        "germanywestcentral",
        "italynorth",
        "japaneast",
        "japanwest",
        "koreacentral",
        "northcentralus",
        "northeurope",
        "norwayeast",
        "polandcentral",
        "qatarcentral",
        "southafricanorth",
        "southcentralus",
        "southeastasia",
        "southindia",
        "spaincentral",
        "swedencentral",
        "switzerlandnorth",
        "switzerlandwest",
        "uaenorth",
        "uksouth",
        "ukwest",
        "westcentralus",
        "westeurope",
        "westus",
        "westus2",
        "westus3",
    }
)
