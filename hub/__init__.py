"""Central hub: verifies and stores batches, traces every bag, serves the pages."""
