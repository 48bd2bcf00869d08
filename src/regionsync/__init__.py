"""regionsync: keep Azure AI custom assets in sync across two regions.

Nothing is imported eagerly here, so that the CLI starts fast and never pulls in the TUI.
"""

__version__ = "0.1.0"
