"""The reference server: what every contract's handler is made of, the server on a loopback
port, and the `infocheck serve` command. A contract's behaviour is in its own package."""
