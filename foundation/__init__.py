"""Ground floor of the project: shared infrastructure that imports no domain app.

amounts   – Decimal euros: the one amount parser, rounding to the cent, German formatting
files     – private file responses (attachments, notices, SEPA files) after a permission check
pdf       – HTML → PDF with WeasyPrint (imported lazily)
exports   – the one CSV/XLSX writer, with the spreadsheet formula guard
forms     – KERN form rendering and the amount form field
api       – DRF plumbing: domain errors → 400, amount and id fields, OpenAPI error responses
errors    – DomainError, the base of every app's user-facing error class
paging    – one page of a list (`paginate`, ?seite=) and the page links ({% pagination %})
middleware, context_processors – the language choice (German first) and the navigation context
"""
