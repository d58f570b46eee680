"""Tenants and their jobs: workload settings and the generators that draw jobs for a fleet."""
