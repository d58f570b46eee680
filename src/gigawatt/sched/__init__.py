"""Scheduling policies: placement (which node, which GPUs) behind one interface, by name."""
