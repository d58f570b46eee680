"""How each catalog accelerator is packaged into hosts (nodes): accelerators per node.

The catalog gives the scale-up domain (NVLink / ICI / NeuronLink); the scheduler also needs
the host, the unit a node failure or a small job occupies. Each value names its source.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class HostShape:
    """Accelerators per host (node), with where that number comes from."""

    accelerators: int
    source: str


#: Accelerators per host, by catalog accelerator id.
HOST_SHAPES: dict[str, HostShape] = {
    "h100": HostShape(8, "NVIDIA DGX/HGX H100: 8 GPUs per server (nvidia.com/dgx-h100)"),
    "h200": HostShape(8, "NVIDIA HGX H200: 8 GPUs per server (nvidia.com/hgx)"),
    "b200": HostShape(8, "NVIDIA HGX B200: 8 GPUs per server (nvidia.com/hgx)"),
    "gb200-nvl72": HostShape(
        4, "NVIDIA GB200 NVL72: 18 compute trays of 2 Grace + 4 Blackwell GPUs (nvidia.com)"
    ),
    "gb300-nvl72": HostShape(
        4, "NVIDIA GB300 NVL72: 18 compute trays of 4 Blackwell Ultra GPUs (nvidia.com)"
    ),
    "tpu-v5p": HostShape(4, "Google Cloud TPU v5p: 4 chips per host VM (cloud.google.com/tpu)"),
    "tpu-v6e": HostShape(
        4, "Google Cloud TPU v6e: multi-host slices use 4-chip hosts (cloud.google.com/tpu)"
    ),
    "tpu7x": HostShape(
        4, "Google Ironwood (TPU7x): 4 chips per tray/host, 64-chip racks (cloud.google.com/tpu)"
    ),
    "trainium2": HostShape(16, "AWS Trn2 instance: 16 Trainium2 chips (aws.amazon.com/ec2/trn2)"),
    "trainium3": HostShape(
        16, "ASSUMED as Trn2: 16 chips per server; Trn3 UltraServer holds 144 (aws.amazon.com)"
    ),
    "mi300x": HostShape(8, "AMD Instinct MI300X platform: 8 OAM GPUs per server (amd.com)"),
    "mi355x": HostShape(8, "AMD Instinct MI355X platform: 8 OAM GPUs per server (amd.com)"),
}

#: For an accelerator not in the table: 8 per host (the common HGX/OAM server), capped by the
#: scale-up domain.
DEFAULT_HOST_ACCELERATORS = 8


def host_accelerators(accelerator: str, scale_up_domain: int) -> int:
    """Accelerators per node for ``accelerator`` (never more than its scale-up domain)."""
    shape = HOST_SHAPES.get(accelerator)
    per_host = shape.accelerators if shape else DEFAULT_HOST_ACCELERATORS
    return max(1, min(per_host, scale_up_domain))
