"""Camera evidence: snapshots uploaded by edges, image analytics results and the warnings they raise."""
