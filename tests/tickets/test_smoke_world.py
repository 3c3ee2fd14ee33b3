def test_world_fixture_builds_two_isolated_tenants(world_a, world_b):
    assert world_a.ticket.display_number == "AL-1"
    assert world_b.ticket.display_number == "BE-1"
    assert world_a.other_org_ticket.display_number == "AL-2"
