"""The reference server: what every contract's handler is made of and the server on a loopback
port. A contract's behaviour is in its own package; the `infocheck serve` command is
infocheck/serve.py, with the other commands."""
