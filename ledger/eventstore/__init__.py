"""The event store the ledger writes and reads: the eventsourcing application over the recorders
of :mod:`ledger.persistence`, with its command cache (aggregates kept between commands, and the
read condition their appends carry) and the one-query existence check of many ids.

Below the command side and the read side alike: both take the application, neither owns it.
"""
