"""An importable application factory, for ASGI servers that import their target (granian):
the policy comes from $SEAWALL_CONFIG (or the usual lookup), the store from the policy."""

from __future__ import annotations

from starlette.applications import Starlette

from seawall.gateway.app import create_app
from seawall.policy.load import find_policy_file
from seawall.policy.reload import PolicyHolder
from seawall.store.db import open_store


def create() -> Starlette:
    holder = PolicyHolder(find_policy_file(None))
    return create_app(holder, open_store(holder.active.loaded.policy.store))
