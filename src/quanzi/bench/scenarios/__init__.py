"""One module per scenario, each with ``async def run(options) -> Outcome``."""
