from genxi.conftest import World


def test_nul_in_query_parameters_is_dropped_not_a_server_error(world: World, client) -> None:
    """PostgreSQL refuses NUL in text: a search with %00 must still answer (found by fuzzing)."""
    client.force_login(world["bob"])
    for url in [
        "/demands/?q=%E7%94%B5%00%E6%A2%AF",
        "/residents/?q=%00",
        "/api/v1/demands?q=%00&category=%00",
        "/api/v1/residents/?q=a%00",
    ]:
        answer = client.get(url)
        assert answer.status_code == 200, url
    answer = client.get("/demands/?q=%00%E5%91%A8")
    assert answer.wsgi_request.GET["q"] == "周"
    assert client.get("/demands/?%00q=%00").status_code == 200


def test_ids_in_unicode_digits_are_no_ids_not_a_server_error(world: World, client) -> None:
    """ "²".isdigit() is True, yet no database takes it for a number (`core.params.parse_id`)."""
    client.force_login(world["alice"])
    for url in [
        "/residents/?area=%C2%B2",
        "/party-orgs/?kind=%C2%B2",
        "/categories/new/?parent=%C2%B2",
    ]:
        assert client.get(url).status_code == 200, url
