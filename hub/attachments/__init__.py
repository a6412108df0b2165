"""Files people attach to records: photos and PDFs kept once by their SHA-256, whoever refers to them.

A file is uploaded first (`POST /api/v1/attachments`), then named by its hash in the record it belongs to (a
督办单's answer, an inspection, a plan's 备案). The record's domain decides who may read it and serves it with
`attachment_response`; the upload route answers the uploader alone.
"""
