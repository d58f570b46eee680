"""Tenants' jobs: the generators that draw jobs for a fleet from the scenario's ``tenants:``
section (`gigawatt.scenario.tenants`), and tenants' reservations checked against the fleet."""
