"""The field app (移动端): an installable web app for regulators, inspectors and enterprise users on a phone,
served at /m/ on the same JSON API other systems use (docs/mobile.md)."""
