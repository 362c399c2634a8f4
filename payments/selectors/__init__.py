"""Every non-trivial read of the payments app, one module per area (dashboard, decisions, disbursements,
proofs): querysets and figures with their joins done, scoped to the calling user where a page or the API
shows them. Nothing here writes; services may import selectors, never the other way round. Import the
area module you need (``from payments.selectors import decisions``); this package re-exports nothing.
"""
