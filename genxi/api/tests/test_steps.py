"""Each demand step of the table (genxi.demands.actions) has its REST route."""

from genxi.api.main import api
from genxi.demands import actions


def test_each_demand_step_has_its_rest_route() -> None:
    paths = api.get_openapi_schema()["paths"]
    for action in actions.ACTIONS.values():
        route = paths[f"/api/v1/demands/{{demand_id}}/{action.path}"]["post"]
        assert route["operationId"] == f"demand_{action.name}"
        assert route["summary"] == action.summary
