"""Label templates (TOML), read by protocols.label.layout through importlib.resources."""
