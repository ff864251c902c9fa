"""The compose stack's one-shot setup: development keys, the services' token, and the tables.

Runs in the gateway image (which carries devstack) before any service starts; safe to run again.
"""

from __future__ import annotations

import os
from pathlib import Path

from devstack.keys import ensure_dev_keys, mint_service_token
from devstack.services import shop_tables
from dynamo_common import DynamoSettings, create_tables, make_client

KEY_DIR_VARIABLE = "SHOPSMART_DEV_SIGNING_KEY_DIR"
SERVICE_TOKEN_FILE_VARIABLE = "SHOPSMART_SERVICE_TOKEN_FILE"  # noqa: S105 - a variable name
TABLE_PREFIX_VARIABLE = "SHOPSMART_TABLE_PREFIX"


def main() -> None:
    keys = ensure_dev_keys(Path(os.environ[KEY_DIR_VARIABLE]))
    Path(os.environ[SERVICE_TOKEN_FILE_VARIABLE]).write_text(mint_service_token(keys))
    settings = DynamoSettings.from_environment(table_prefix=os.environ[TABLE_PREFIX_VARIABLE])
    created = create_tables(make_client(settings), settings.table_prefix, shop_tables())
    print(f"keys in {keys.directory}; tables created: {', '.join(created) or 'none (they exist)'}")


if __name__ == "__main__":
    main()
