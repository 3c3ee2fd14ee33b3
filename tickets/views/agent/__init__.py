"""Agent workspace views (staff of a tenant): queues, the ticket workspace, intake and the dashboard.

Every view is wrapped in ``agent_required`` or ``lead_required`` and reads tickets only through
``tickets.selectors``; every change is a ``tickets.services`` call.
"""
