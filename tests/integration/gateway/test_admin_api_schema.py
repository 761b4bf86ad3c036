"""schemathesis against the admin API's OpenAPI document: generated requests (valid and not) never
get a server error, and every answer is one the document lists."""

from __future__ import annotations

import json
from importlib import resources

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import status_code_conformance

from support.gateway import ADMIN_TOKEN, LiveGateway

pytestmark = pytest.mark.integration
SPEC = json.loads(resources.files("seawall.gateway").joinpath("admin_openapi.json").read_text())
schema = schemathesis.openapi.from_dict(SPEC)


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_admin_api(case: schemathesis.Case, gateway: LiveGateway) -> None:
    response = case.call(base_url=gateway.url, headers={"authorization": f"Bearer {ADMIN_TOKEN}"})
    case.validate_response(response, checks=(not_a_server_error, status_code_conformance))


def test_document_is_served(gateway: LiveGateway) -> None:
    import httpx

    assert httpx.get(gateway.url + "/admin/openapi.json").json()["info"]["title"] == "seawall admin API"
