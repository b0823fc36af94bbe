"""What the figures were measured on: cores, CPU model, load, library versions."""

from __future__ import annotations

import os
import platform
from pathlib import Path


def load() -> str:
    """The 1, 5 and 15 minute load averages (as /proc/loadavg says), or '' where unknown."""
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return ""


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def describe() -> dict[str, object]:
    import numpy
    import scipy
    import sklearn

    return {
        "cores": os.cpu_count(),
        "cpu": cpu_model(),
        "system": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "scipy": scipy.__version__,
        "scikit-learn": sklearn.__version__,
        "load": load(),
    }
