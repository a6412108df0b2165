"""Custody of bags: who may act on a bag (commission, store, take out, correct, void, receive, dispose
of it), and the events refused because their device's enterprise did not hold it: kept as evidence,
never projected."""
