"""Statistics (危废一张图): daily rollups kept on ingest, the figures the regulator reads, the dashboard."""
