"""The wire: the `Probe` (the only code that talks HTTP), its bounded transport, the `Request` and
`Exchange` records it makes, strict JSON, escaping for output, and the secrets it scrubs."""
