"""The signed ledger at the hub: ingest of batches (HTTP and MQTT), the events, projection, ordering."""
