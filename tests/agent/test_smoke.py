from tests.agent.conftest import agent_url


def test_pages_render_for_lead(world_a, login):
    c = login(world_a.lead)
    t = world_a.ticket.display_number
    for url in [agent_url("alpha", "home"), agent_url("alpha", "ticket_detail", t), agent_url("alpha", "dashboard"),
                agent_url("alpha", "intake"), agent_url("alpha", "time_report"),
                agent_url("alpha", "ticket_history", t), agent_url("alpha", "export", "csv"),
                agent_url("alpha", "export", "xlsx")]:
        r = c.get(url)
        assert r.status_code == 200, (url, r.content[:2000])
