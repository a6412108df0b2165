"""Cameras at the edge: a snapshot of every weighing, bound to its ledger event by SHA-256.

ONVIF (`onvif_source`), RTSP (`rtsp_source`) and GB/T 28181 (`gb28181_platform`, the edge as the small
platform the camera registers to) each give JPEG bytes; `camera.SupervisedCamera` keeps one camera's
connection and state; `store.SnapshotStore` keeps the images (bytes-capped); `service.CameraService` ties
them to the weighing workflow, the image checks (`edge.vision`) and the lazy upload to the hub.

This module imports nothing heavy, so reading the configuration does not load OpenCV or zeep.
"""
