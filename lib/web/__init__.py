"""The web layer: Flask's side of the store and the core (errors, checks of
what a client sends, idempotency, security, paging, how answers are written)."""
