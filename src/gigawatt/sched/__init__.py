"""Gang scheduling on a planned fleet: jobs, cluster state, queue policies, topology-aware
placement, reservations and defragmentation (the FGD pod-packing experiment is `gigawatt.fgd`)."""
