"""The `wastetrace` command: a thin dispatcher to each package's own command line."""
