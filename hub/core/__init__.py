"""Shared plumbing of the hub: database and dialect helpers, versioned records, errors, dependencies, keys."""
