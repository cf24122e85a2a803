"""``quanzi`` command line: serve, migrate, demo, create-operator, worker, bench."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence

from quanzi.core import db
from quanzi.core.config import get_settings
from quanzi.core.errors import ProblemError


def _serve(host: str, port: int, workers: int) -> None:
    import uvicorn

    uvicorn.run(
        "quanzi.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        access_log=False,
    )


def _migrate() -> None:
    from quanzi.core import migrate

    # Alembic narrates every plugin it loads at INFO; only its warnings matter here.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    migrate.upgrade(get_settings().database_url)


async def _create_operator(phone: str, password: str) -> str:
    from quanzi import wiring
    from quanzi.identity import service

    wiring.install()
    try:
        user = await db.transaction(
            lambda session: service.ensure_operator(session, phone=phone, password=password)
        )
    finally:
        await db.dispose()
    return user.phone


async def _worker() -> None:
    from quanzi import wiring, worker

    wiring.install()
    try:
        await worker.run_forever()
    finally:
        await db.dispose()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="quanzi", description="Quanzi social-commerce engine")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="serve the API, storefront and console")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1, help="server processes")

    commands.add_parser("migrate", help="apply database migrations")

    demo = commands.add_parser("demo", help="migrate, seed a demo shop, then serve it")
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=8000)
    demo.add_argument("--no-serve", action="store_true", help="seed only")

    operator = commands.add_parser("create-operator", help="create (or promote) an operator")
    operator.add_argument("--phone", required=True)
    operator.add_argument("--password", required=True)

    commands.add_parser("worker", help="run the periodic sweeps (expiry, outbox, webhooks)")

    bench = commands.add_parser("bench", help="run a benchmark scenario (docs/performance.md)")
    from quanzi.bench import runner as bench_runner

    bench_runner.add_arguments(bench)

    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")

    try:
        if args.command == "serve":
            _serve(args.host, args.port, args.workers)
        elif args.command == "migrate":
            _migrate()
            print("database is up to date")
        elif args.command == "demo":
            from quanzi import demo as demo_shop

            _migrate()
            print(asyncio.run(demo_shop.seed_and_describe(args.host, args.port)))
            if not args.no_serve:
                _serve(args.host, args.port, 1)
        elif args.command == "create-operator":
            phone = asyncio.run(_create_operator(args.phone, args.password))
            print(f"operator {phone} is ready")
        elif args.command == "worker":
            asyncio.run(_worker())
        elif args.command == "bench":
            return bench_runner.main(args)
    except ProblemError as exc:
        print(f"error: {exc.detail} ({exc.code})", file=sys.stderr)
        return 2
    return 0
