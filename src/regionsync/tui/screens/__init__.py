"""The dashboard's screens: the main diff, and the modals it opens (pre-flight confirmation, details,
jobs, help, errors, adding a profile, the welcome shown when no profile exists)."""
