"""Benchmarks: every speed claim as a command anyone can rerun (``quanzi bench SCENARIO``).

Each scenario creates a throwaway PostgreSQL database, seeds it with SQL, starts the real
server (``quanzi serve --workers W``) and, where it needs sweeps, ``quanzi worker``
processes; a load generator in its own process(es) drives it over HTTP/1.1 keep-alive
connections on 127.0.0.1; then the invariants are verified and the same essential writes
are measured as a raw baseline (one asyncpg round trip behind a bare ASGI app, and
``pgbench``). See ``docs/performance.md``.
"""
