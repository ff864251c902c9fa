"""The local OpenID provider playing Cognito (`local_cognito.mjs`, npm's `oidc-provider`).

It signs with the development key, so tokens from `make token` verify beside the ones it issues,
and the services verify both against its JWKS endpoint exactly as they verify Cognito's. The web
shop learns where it is from the config document the gateway serves (`web_config`).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import jwt

from devstack.errors import DevstackError
from devstack.keys import LOCAL_AUDIENCE, LOCAL_SERVICE_CLIENT_ID, DevKeys, load_private_key
from devstack.ports import LOCALHOST, answers_ok
from devstack.process import BackgroundServer

SCRIPT = Path(__file__).with_name("local_cognito.mjs")
DISCOVERY_PATH = "/.well-known/openid-configuration"
USER_SCOPES = "openid email profile"
DEMO_USERS = (
    {"username": "demo-shopper", "groups": [], "label": "demo shopper"},
    {"username": "demo-admin", "groups": ["admin"], "label": "demo admin"},
)
# As long as Cognito's default: the web shop refreshes a minute before it runs out.
ACCESS_TOKEN_TTL_SECONDS = 3600


class LocalCognito(BackgroundServer):
    """The provider on its own port; `shop_urls` are the origins the web shop is served from."""

    name = "sign-in"

    def __init__(
        self,
        *,
        keys: DevKeys,
        shop_urls: Sequence[str],
        log_path: Path,
        settings_path: Path,
        port: int | None = None,
        access_token_ttl_seconds: int = ACCESS_TOKEN_TTL_SECONDS,
        cwd: Path | None = None,
    ):
        super().__init__(log_path=log_path, port=port, cwd=cwd, startup_timeout=30.0)
        self.keys = keys
        self.shop_urls = [url.rstrip("/") + "/" for url in shop_urls]
        self.settings_path = settings_path
        self.access_token_ttl_seconds = access_token_ttl_seconds
        self.service_client_secret = secrets.token_urlsafe(32)

    @property
    def issuer(self) -> str:
        return f"http://{self.address}"

    @property
    def jwks_url(self) -> str:
        return f"{self.issuer}/jwks"

    @property
    def token_url(self) -> str:
        return f"{self.issuer}/token"

    def web_config(self, shop_url: str) -> dict[str, str]:
        """The web shop's sign-in settings when it is served from `shop_url` (see README)."""
        shop = shop_url.rstrip("/") + "/"
        return {
            "authority": self.issuer,
            "client_id": LOCAL_AUDIENCE,
            "redirect_uri": shop,
            "post_logout_redirect_uri": shop,
            "scope": USER_SCOPES,
        }

    def command(self) -> list[str]:
        node = shutil.which("node")
        if node is None:
            raise DevstackError("the local sign-in provider needs Node.js 20+ (node is not on PATH)")
        self._write_settings()
        return [node, str(SCRIPT), str(self.settings_path)]

    def is_ready(self) -> bool:
        return answers_ok(self.port, DISCOVERY_PATH)

    def _write_settings(self) -> None:
        # Holds the private key and the services' client secret: owner-only, like the key's file.
        settings = {
            "issuer": self.issuer,
            "port": self.port,
            "signing_jwk": self._signing_jwk(),
            "web_client_id": LOCAL_AUDIENCE,
            "redirect_uris": self._shop_origins(),
            "post_logout_redirect_uris": self._shop_origins(),
            "service_client_id": LOCAL_SERVICE_CLIENT_ID,
            "service_client_secret": self.service_client_secret,
            "access_token_ttl_seconds": self.access_token_ttl_seconds,
            "demo_users": list(DEMO_USERS),
        }
        self.settings_path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(self.settings_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            json.dump(settings, handle)

    def _shop_origins(self) -> list[str]:
        # A browser may be pointed at either name of this machine.
        both = {url.replace(f"//{LOCALHOST}:", "//localhost:") for url in self.shop_urls}
        return sorted(both | set(self.shop_urls))

    def _signing_jwk(self) -> dict[str, Any]:
        private_key = load_private_key(self.keys.private_key_path)
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(private_key))
        # PyJWT marks a private JWK `key_ops: ["sign"]`; the provider also verifies with it (an
        # ID token hint at sign-out), so the key is described by `use` alone.
        jwk.pop("key_ops", None)
        return {**jwk, "kid": self.keys.kid, "alg": "RS256", "use": "sig"}
