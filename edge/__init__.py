"""Edge agent: asyncio I/O around protocols/ — scale, printer, ledger, uplink, touchscreen."""
