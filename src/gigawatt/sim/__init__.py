"""The simulator: arrival-only packing (the FGD paper's experiments) on fleet arrays."""
