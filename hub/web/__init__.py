"""The hub's web shell: one page renderer, the words, display formatting, shared templates, static files."""
