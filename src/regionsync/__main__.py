"""Entry point of the `regionsync` console script and of `python -m regionsync`."""

from __future__ import annotations


def main() -> None:
    """Run the command line; with no arguments it opens the dashboard."""
    from regionsync.cli import app

    app()


if __name__ == "__main__":
    main()
