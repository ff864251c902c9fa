"""Where the local stack keeps its state: `<repo>/.local/`, which git ignores."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from devstack.errors import DevstackError

LOCAL_DIRECTORY = ".local"


@dataclass(frozen=True)
class LocalState:
    """The directory holding development keys, DynamoDB Local's data and the servers' logs."""

    directory: Path

    @property
    def dev_keys(self) -> Path:
        return self.directory / "dev-keys"

    @property
    def dynamodb_data(self) -> Path:
        return self.directory / "dynamodb"

    @property
    def cursor_secret(self) -> Path:
        return self.directory / "cursor-secret"

    @property
    def guest_token_secret(self) -> Path:
        return self.directory / "guest-token-secret"

    @property
    def sign_in_settings(self) -> Path:
        """The local sign-in provider's settings (they hold the private key): owner-only."""
        return self.directory / "sign-in.json"

    @property
    def issuer_file(self) -> Path:
        """The running stack's token issuer, for `make token`; gone when the stack stops."""
        return self.directory / "issuer"

    @property
    def logs(self) -> Path:
        return self.directory / "logs"

    def log_path(self, server_name: str) -> Path:
        return self.logs / f"{server_name}.log"


def repo_root(start: Path | None = None) -> Path:
    """The nearest directory at or above `start` (default: the working directory) with both the
    root `package.json` and `pyproject.toml`."""
    here = (start or Path.cwd()).resolve()
    for directory in (here, *here.parents):
        if (directory / "package.json").is_file() and (directory / "pyproject.toml").is_file():
            return directory
    raise DevstackError(f"{here} is not inside the ShopSmart repository; run from its root")


def local_state(root: Path | None = None) -> LocalState:
    return LocalState((root or repo_root()) / LOCAL_DIRECTORY)
