"""`infocheck serve`: a contract's reference server in the foreground, for people building
clients (and for trying infocheck against something real). The key comes from
INFOCHECK_API_KEY; without it a random one is generated and printed. INFOCHECK_TOKEN, if set,
is a Bearer token accepted too."""
from __future__ import annotations

import argparse
import os
import secrets
import sys

from infocheck import contracts
from infocheck.configuration import environment
from infocheck.judging.judge import EXIT_INTERNAL, EXIT_USAGE
from infocheck.usage import OneLineParser


def parser() -> argparse.ArgumentParser:
    found = OneLineParser(prog="infocheck serve", description=__doc__.split("\n\n")[0].replace("\n", " "))
    found.add_argument("--contract", choices=contracts.names(), default=contracts.DEFAULT,
                       help="the contract to serve (default %(default)s)")
    found.add_argument("--flavour", default="reference",
                       help="how it behaves: reference (the contract at its best) or a real "
                            "server's documented behaviour; each contract lists its own")
    found.add_argument("--host", default="127.0.0.1")
    found.add_argument("--port", type=int, default=8000)
    found.add_argument("--base-path", default=None, help="path before the contract's route, e.g. "
                       "/models (the info contract's foundry flavour's default)")
    found.add_argument("--quiet", action="store_true", help="do not log requests")
    return found


def main(argv=None) -> int:
    args = parser().parse_args(argv)
    try:
        contract = contracts.get(args.contract)
    except contracts.ContractError as error:
        print(f"ERROR: infocheck serve: {error}", file=sys.stderr)
        return EXIT_INTERNAL
    if args.flavour not in contract.flavours:
        parser().error(f"argument --flavour: invalid choice: {args.flavour!r} for the "
                       f"{contract.name} contract (choose from {', '.join(contract.flavours)})")
    key = os.environ.get("INFOCHECK_API_KEY")
    generated = not key
    key = key or secrets.token_urlsafe(24)
    token = os.environ.get(environment.TOKEN)  # a Bearer token to accept besides the key
    try:
        server = contract.reference_server(key, args.flavour, tokens=(token,) if token else (),
                                           base_path=args.base_path, host=args.host,
                                           port=args.port, verbose=not args.quiet)
    except OSError as exc:
        print(f"ERROR: infocheck serve: cannot listen on {args.host}:{args.port}: {exc.strerror}",
              file=sys.stderr)
        return EXIT_USAGE
    for line in contract.server_banner(server, args.flavour):
        print(line, flush=True)
    if generated:
        print(f"generated key for this run (set INFOCHECK_API_KEY to choose one): {key}", flush=True)
    server.serve_forever()
    return 0
