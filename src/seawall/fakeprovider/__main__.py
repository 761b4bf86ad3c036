"""`python -m seawall.fakeprovider --port 8799 [--key K ...]`: serve the fake provider on 127.0.0.1."""

from __future__ import annotations

import argparse

import uvicorn

from seawall.fakeprovider.app import create_app
from seawall.fakeprovider.server import HOST


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m seawall.fakeprovider", description=__doc__)
    parser.add_argument("--port", type=int, default=8799, help="port on 127.0.0.1 (default 8799)")
    parser.add_argument("--key", action="append", dest="keys", metavar="KEY",
                        help="accepted API key (repeatable); default: any non-empty key")
    parser.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])
    args = parser.parse_args(argv)
    uvicorn.run(create_app(args.keys), host=HOST, port=args.port, log_level=args.log_level, lifespan="off")


if __name__ == "__main__":
    main()
