"""Field inspections (巡查): a checklist per region, inspections of enterprises done on a phone (offline, then
synced exactly once) or a PC, scan checks of bags and manifests found in the field, findings followed up as
warnings with 督办单, and a signed PDF report kept in the enterprise's file (docs/inspections.md)."""
