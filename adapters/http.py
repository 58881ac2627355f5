"""The bot's HTTP server: /healthz (alive), /readyz (database and adapters ready), /metrics,
and the routes the adapters add (Slack events, Telegram webhook). One aiohttp server on
$HOST:$PORT for every mode, polling and Socket Mode included."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from adapters.metrics import CountsSource, Metrics

Check = Callable[[], Awaitable[bool]]


class WebServer:
    """Starts and stops one aiohttp site; port 0 picks a free port (tests)."""

    def __init__(self, host: str, port: int, metrics: Metrics | None = None) -> None:
        self._host, self._port = host, port
        self.app = web.Application()
        self.metrics = metrics or Metrics()
        self.counts: CountsSource | None = None  # answers and open rounds, for /metrics
        self._checks: list[Check] = []
        self._runner: web.AppRunner | None = None
        self.app.router.add_get("/healthz", self._healthz)
        self.app.router.add_get("/readyz", self._readyz)
        self.app.router.add_get("/metrics", self._metrics)

    def add_check(self, check: Check) -> None:
        """Something that must be true before /healthz and /readyz answer 200."""
        self._checks.append(check)

    async def _ready(self) -> bool:
        for check in self._checks:
            try:
                if not await check():
                    return False
            except Exception:
                return False
        return True

    async def _healthz(self, _request: web.Request) -> web.Response:
        if not await self._ready():
            return web.Response(status=503, text="starting or unhealthy\n")
        return web.Response(text="ok\n")

    async def _readyz(self, _request: web.Request) -> web.Response:
        if not await self._ready():
            return web.Response(status=503, text="not ready: database or a platform\n")
        return web.Response(text="ready\n")

    async def _metrics(self, _request: web.Request) -> web.Response:
        body = await self.metrics.render(self.counts)
        return web.Response(body=body, headers={"Content-Type": self.metrics.content_type})

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
