def test_pages_render(as_client, world_a):
    assert as_client.get("/t/alpha/tickets/").status_code == 200
    assert as_client.get("/t/alpha/tickets/new/").status_code == 200
    r = as_client.get("/t/alpha/tickets/AL-1/")
    assert r.status_code == 200, r.content[:2000]
