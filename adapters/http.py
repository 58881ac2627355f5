"""The bot's HTTP server: /healthz (alive), /readyz (database and adapters ready), /metrics,
and the routes the adapters add (Slack events, Telegram webhook). One aiohttp server on
$HOST:$PORT for every mode, polling and Socket Mode included.

Every response it sends, aiohttp's own 404 and 405, the CSS and errors included, carries the
security headers (one hook, so no route can forget them). A database out of reach gets a calm
503 with Retry-After and one log line per outage; any other failure a calm 500 and one log
line, never aiohttp's bare page."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from adapters.metrics import CountsSource, Metrics
from bot.ports import StorageUnavailable
from bot.transaction import OutageLog

log = logging.getLogger(__name__)
Check = Callable[[], Awaitable[bool]]
ErrorPage = Callable[[int], web.Response]
RETRY_AFTER_SECONDS = 30  # a database restart or failover takes about this long
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",  # a route may say otherwise (the CSS)
}


def plain_error(status: int) -> web.Response:
    """An error's response when no adapter gives a page for it."""
    text = "try again later" if status == 503 else "something went wrong; nothing was changed"
    return web.Response(status=status, text=f"{status}: {text}\n")


class WebServer:
    """Starts and stops one aiohttp site; port 0 picks a free port (tests)."""

    def __init__(self, host: str, port: int, metrics: Metrics | None = None) -> None:
        self._host, self._port = host, port
        self.app = web.Application(middlewares=[self._calm_errors])
        self.app.on_response_prepare.append(_secure)
        self.error_page: ErrorPage = plain_error  # the web adapter gives its own pages
        self._outage = OutageLog(log, "pages answer 503")
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

    @web.middleware
    async def _calm_errors(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        """A calm page for what went wrong; the same page for aiohttp's own 404 and 405."""
        try:
            response = await handler(request)
        except web.HTTPException as problem:
            if problem.status < 400:
                raise
            return self.error_page(problem.status)
        except StorageUnavailable:
            self._outage.failed()
            response = self.error_page(503)
            response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
            return response
        except Exception:
            log.exception("%s %s failed", request.method, request.path.split("/")[1][:32])
            return self.error_page(500)
        self._outage.worked()
        return response

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


async def _secure(_request: web.Request, response: web.StreamResponse) -> None:
    """The security headers on every response, unless its route set its own."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
