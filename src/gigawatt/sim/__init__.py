"""The simulator: time-based replay of jobs (arrivals, gang starts, failures, completions) over
the gang scheduler of `gigawatt.sched` (the FGD pod-packing experiment is `gigawatt.fgd`)."""
