"""The FGD pod-packing experiment: arrival-only packing of GPU-sharing pods on the openb trace.

Reproduces Weng et al., "Beware of Fragmentation: Scheduling GPU-Sharing Workloads with
Fragmentation Gradient Descent", USENIX ATC 2023, and its artifact
(github.com/hkust-adsl/kubernetes-scheduler-simulator) pod by pod. Pods arrive one by one, are
placed on one node (sharing GPUs in milli-GPU) or fail, and never finish; the question is how much
of the cluster's GPU each placement policy allocates as arrived demand grows to 130% of it.

This stack is separate from gang scheduling (`gigawatt.sched`, `gigawatt.sim.replay`), which
places multi-node jobs over time on a planned fleet. Modules:

- `nodes`: the trace's node specs (CPU, memory, GPU count and model per node);
- `state`: what is free on each node (CPU, memory, each GPU's milli-GPU);
- `pods`: pods as arrays and the resource shapes policies score them by;
- `fragmentation`: the paper's fragmentation measure against the workload's typical shapes;
- `placement`: the scheduler steps (filter, score, normalize, select) and the policy registry;
- `policies`: the paper's six policies, vectorized; `reference`: the same written node by node;
- `gorand`: a port of Go's ``math/rand`` so runs replay the artifact's random draws;
- `arrivals`: the artifact's arrival order and node tie-break ranks for a seed;
- `packing`: the arrival-only packing loop; `curves`: the paper's allocation and fragmentation
  curves against arrived load; `experiment`: one trace workload, policy and seed -> curves.
"""
