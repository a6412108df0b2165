"""The other side of every protocol, spoken over the real transport (pty, TCP, HTTP)."""
