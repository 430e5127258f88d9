"""A real OpenID provider on loopback: the certified `oidc-provider` package for Node, run from
local/oidc/ with its development login page, for the demo and the tests.

    with LocalOpenIDProvider(redirect_uris=["http://127.0.0.1:3000/Prod/auth/callback"]) as idp:
        idp.issuer, idp.client_id, idp.client_secret

Its users are in local/oidc/provider.mjs (alice, bob, carol, mallory, unverified; any password).
"""

from __future__ import annotations

import json
import queue
import shutil
import subprocess  # nosec B404
import threading
import time
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from secrets import token_urlsafe
from typing import IO

OIDC_DIR = Path(__file__).resolve().parent / "oidc"
CLIENT_ID = "greenlight-local"
PUBLIC_CLIENT_ID = "greenlight-local-public"
USERS = ("alice@example.com", "bob@example.com", "carol@example.com", "mallory@example.com")
UNVERIFIED_USER = "unverified@example.com"
READY = "oidc-provider listening on "
NODE_MISSING = "the local OpenID provider needs Node.js (apt-get install nodejs)"


class ProviderUnavailable(RuntimeError):
    """The local provider cannot run here (no Node.js or npm) or did not come up."""


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        raise ProviderUnavailable(NODE_MISSING)
    return node


def install(quiet: bool = True) -> None:
    """`npm ci` into local/oidc/node_modules, once: the lock file pins oidc-provider."""
    if (OIDC_DIR / "node_modules" / "oidc-provider" / "package.json").is_file():
        return
    npm = shutil.which("npm")
    if npm is None:
        raise ProviderUnavailable(f"{NODE_MISSING}; npm is missing (apt-get install npm)")
    command = [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"]
    done = subprocess.run(  # noqa: S603  # nosec B603
        command, cwd=OIDC_DIR, capture_output=quiet, text=True, timeout=300, check=False)
    if done.returncode != 0:
        tail = (done.stderr or "")[-2000:]
        raise ProviderUnavailable(f"npm ci in {OIDC_DIR} failed: {tail}")


def _read_lines(stream: IO[str], lines: queue.Queue[str]) -> None:
    for line in stream:
        lines.put(line.rstrip("\n"))


class LocalOpenIDProvider:
    """Runs `node provider.mjs` on 127.0.0.1 until the context ends."""

    def __init__(
        self,
        redirect_uris: Sequence[str],
        port: int = 0,
        client_secret: str | None = None,
        startup_timeout: float = 30.0,
    ) -> None:
        if not redirect_uris:
            raise ValueError("give at least one redirect URI")
        self.redirect_uris = tuple(redirect_uris)
        self.port = port
        self.client_id = CLIENT_ID
        self.public_client_id = PUBLIC_CLIENT_ID
        self.client_secret = client_secret or token_urlsafe(24)
        self.startup_timeout = startup_timeout
        self.issuer = ""
        self._process: subprocess.Popen[str] | None = None
        self._stdout: queue.Queue[str] = queue.Queue()

    def __enter__(self) -> LocalOpenIDProvider:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def discovery_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    def start(self) -> None:
        node = _node()
        install()
        env = {
            "PATH": str(Path(node).parent),
            "OIDC_REDIRECT_URIS": ",".join(self.redirect_uris),
            "OIDC_CLIENT_SECRET": self.client_secret,
            "NODE_ENV": "development",
        }
        self._process = subprocess.Popen(  # noqa: S603  # nosec B603
            [node, "provider.mjs", "--port", str(self.port)],
            cwd=OIDC_DIR, env=env, text=True,
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
        )
        assert self._process.stdout is not None
        threading.Thread(
            target=_read_lines, args=(self._process.stdout, self._stdout), daemon=True).start()
        try:
            self.issuer = self._wait_for_ready_line()
            self._wait_for_discovery()
        except BaseException:
            self.stop()
            raise

    def _wait_for_ready_line(self) -> str:
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            try:
                line = self._stdout.get(timeout=0.2)
            except queue.Empty:
                if self._process is not None and self._process.poll() is not None:
                    raise ProviderUnavailable(
                        f"node provider.mjs exited with {self._process.returncode}") from None
                continue
            if line.startswith(READY):
                return line[len(READY):].strip()
        raise ProviderUnavailable(
            f"the local OpenID provider did not start in {self.startup_timeout}s")

    def _wait_for_discovery(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        while True:
            try:
                with urllib.request.urlopen(self.discovery_url, timeout=2) as answer:  # noqa: S310  # nosec B310
                    if json.load(answer).get("issuer") == self.issuer:
                        return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise ProviderUnavailable(f"{self.discovery_url} did not answer")
            time.sleep(0.1)

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
        if process.stdout is not None:
            process.stdout.close()


def main() -> None:
    """Run the provider in the foreground: python -m local.oidc_provider REDIRECT_URI..."""
    import sys

    redirect_uris = sys.argv[1:] or ["http://127.0.0.1:3000/Prod/auth/callback"]
    with LocalOpenIDProvider(redirect_uris) as idp:
        print(f"issuer {idp.issuer}\nclient_id {idp.client_id}\nclient_secret {idp.client_secret}")
        print(f"sign in as one of {', '.join(USERS)} (any password)", flush=True)
        try:
            while idp._process is not None and idp._process.poll() is None:
                time.sleep(1)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
