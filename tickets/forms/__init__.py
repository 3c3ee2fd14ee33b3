"""Forms of the ticket UIs: ``portal`` for clients."""
