"""The bot's HTTP server: /healthz, and the routes the adapters add (Slack events, Telegram
webhook). One aiohttp server on $HOST:$PORT for every mode, polling and Socket Mode included."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

Check = Callable[[], Awaitable[bool]]


class WebServer:
    """Starts and stops one aiohttp site; port 0 picks a free port (tests)."""

    def __init__(self, host: str, port: int) -> None:
        self._host, self._port = host, port
        self.app = web.Application()
        self._checks: list[Check] = []
        self._runner: web.AppRunner | None = None
        self.app.router.add_get("/healthz", self._healthz)

    def add_check(self, check: Check) -> None:
        """Something that must be true before /healthz answers 200 (database, adapters)."""
        self._checks.append(check)

    async def _healthz(self, _request: web.Request) -> web.Response:
        for check in self._checks:
            try:
                healthy = await check()
            except Exception:
                healthy = False
            if not healthy:
                return web.Response(status=503, text="starting or unhealthy\n")
        return web.Response(text="ok\n")

    async def start(self) -> None:
        self._runner = web.AppRunner(self.app, access_log=None)  # access logs could hold ids
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._host, self._port)
        await site.start()

    @property
    def port(self) -> int:
        """The port actually bound (useful after asking for port 0)."""
        assert self._runner is not None, "start() first"
        for address in self._runner.addresses:
            return int(address[1])
        raise RuntimeError("server is not listening")

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
