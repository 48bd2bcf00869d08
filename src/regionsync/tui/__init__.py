"""The Textual dashboard: a diff of the two regions, live jobs, and the actions to close the gap.

`make_app()` (in `app.py`) builds the dashboard for the CLI, the demo and the tests alike. Nothing
outside this package imports it eagerly: the CLI's `ui` command imports it inside the function, so
`regionsync --help` never loads textual.
"""
