"""Service adapters: one per service family, API versions as data, over one HTTP layer."""
