"""PyTorch side of the CPU benchmark: answers JSON requests on stdin with matmul timings on stdout.

Started by benchmarks/cpu/peers/torch.ts as `python3 torch_matmul.py THREADS`. First line out describes the
configuration; then each request line {"n": N, "repeats": R} gets {"times": [seconds, ...], "cpu": process CPU seconds}.
"""
import ctypes
import ctypes.util
import json
import os
import sys
import time

import torch


def loaded_blas():
    """Real paths of the BLAS libraries mapped into this process."""
    paths = set()
    try:
        with open("/proc/self/maps") as f:
            for line in f:
                path = line.split()[-1] if len(line.split()) >= 6 else ""
                if "blas" in os.path.basename(path):
                    paths.add(os.path.realpath(path))
    except OSError:
        pass
    return sorted(paths)


def blas_info():
    info = {"blas": loaded_blas(), "openblas_core": None, "openblas_threads": None}
    name = ctypes.util.find_library("openblas")
    if name and any("openblas" in p for p in info["blas"]):
        try:
            lib = ctypes.CDLL(name)
            lib.openblas_get_corename.restype = ctypes.c_char_p
            info["openblas_core"] = lib.openblas_get_corename().decode()
            info["openblas_threads"] = lib.openblas_get_num_threads()
        except (OSError, AttributeError):
            pass
    return info


def main():
    threads = int(sys.argv[1])
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    torch.mm(torch.ones(8, 8), torch.ones(8, 8))  # loads the BLAS library
    hello = {"ready": True, "version": torch.__version__, "threads": torch.get_num_threads()}
    hello.update(blas_info())
    hello["env"] = {k: os.environ[k] for k in ("OPENBLAS_CORETYPE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "OMP_WAIT_POLICY") if k in os.environ}
    print(json.dumps(hello), flush=True)
    cache = {}
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        req = json.loads(line)
        n = int(req["n"])
        if n not in cache:
            cache = {n: (torch.rand(n, n, dtype=torch.float32) - 0.5, torch.rand(n, n, dtype=torch.float32) - 0.5)}
        a, b = cache[n]
        times = []
        cpu0 = time.process_time()
        with torch.no_grad():
            for _ in range(int(req["repeats"])):
                t0 = time.perf_counter()
                torch.mm(a, b)
                times.append(time.perf_counter() - t0)
        print(json.dumps({"times": times, "cpu": time.process_time() - cpu0}), flush=True)


if __name__ == "__main__":
    main()
