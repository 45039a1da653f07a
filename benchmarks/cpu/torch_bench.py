"""PyTorch side of the CPU benchmark: answers JSON requests on stdin with timings on stdout.

Started by benchmarks/cpu/peers/torch.ts as `python3 torch_bench.py THREADS`. The first line out describes
the configuration; then each request line gets {"times": [seconds, ...], "cpu": process CPU seconds}:

  {"kind": "matmul", "n": N, "repeats": R}
  {"kind": "conv", "x": [N,C,H,W], "w": [O,C,kh,kw], "stride": S, "pad": P, "pass": "forward"|"input-grad"|"weight-grad", "repeats": R}
  {"kind": "block", "batch": B, "tokens": L, "width": E, "heads": H, "mlp": M, "repeats": R}

The conv gradients are aten.convolution_backward with one output requested (what autograd runs for that
input); the block step is forward, sum, backward (gradients of every parameter and the input).
"""
import ctypes
import ctypes.util
import json
import math
import os
import sys
import time

import torch
import torch.nn.functional as F


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


def rand(*shape, scale=1.0):
    return (torch.rand(*shape, dtype=torch.float32) - 0.5) * scale


def matmul_case(req):
    n = int(req["n"])
    a, b = rand(n, n), rand(n, n)
    return lambda: torch.mm(a, b)


def conv_case(req):
    x, w = rand(*req["x"]), rand(*req["w"], scale=0.1)
    s, p = [req["stride"]] * 2, [req["pad"]] * 2
    y_shape = F.conv2d(x[:1], w, None, s, p).shape
    dy = rand(x.shape[0], *y_shape[1:])
    kind = req["pass"]
    if kind == "forward":
        return lambda: F.conv2d(x, w, None, s, p)
    mask = [kind == "input-grad", kind == "weight-grad", False]
    idx = 0 if kind == "input-grad" else 1
    return lambda: torch.ops.aten.convolution_backward(dy, x, w, None, s, p, [1, 1], False, [0, 0], 1, mask)[idx]


class Block(torch.nn.Module):
    """Pre-LN ViT block: x + proj(attn(ln1(x))), then h + fc2(gelu(fc1(ln2(h))))."""

    def __init__(self, e, heads, mlp):
        super().__init__()
        self.heads = heads
        self.ln1, self.ln2 = torch.nn.LayerNorm(e), torch.nn.LayerNorm(e)
        self.qkv, self.proj = torch.nn.Linear(e, 3 * e), torch.nn.Linear(e, e)
        self.fc1, self.fc2 = torch.nn.Linear(e, mlp), torch.nn.Linear(mlp, e)

    def forward(self, x):
        b, l, e = x.shape
        d = e // self.heads
        q, k, v = self.qkv(self.ln1(x)).reshape(b, l, 3, self.heads, d).permute(2, 0, 3, 1, 4)
        att = torch.softmax(q @ k.transpose(-1, -2) * (1 / math.sqrt(d)), dim=-1)
        h = x + self.proj((att @ v).transpose(1, 2).reshape(b, l, e))
        return h + self.fc2(F.gelu(self.fc1(self.ln2(h))))


def block_case(req):
    block = Block(req["width"], req["heads"], req["mlp"])
    x = rand(req["batch"], req["tokens"], req["width"]).requires_grad_(True)
    params = [x, *block.parameters()]

    def step():
        for t in params:
            t.grad = None
        block(x).sum().backward()

    return step


def main():
    threads = int(sys.argv[1])
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    torch.mm(torch.ones(8, 8), torch.ones(8, 8))  # loads the BLAS library
    hello = {"ready": True, "version": torch.__version__, "threads": torch.get_num_threads(), "mkldnn": torch.backends.mkldnn.is_available()}
    hello.update(blas_info())
    hello["env"] = {k: os.environ[k] for k in ("OPENBLAS_CORETYPE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "OMP_WAIT_POLICY") if k in os.environ}
    print(json.dumps(hello), flush=True)
    cache_key, run = None, None
    makers = {"matmul": matmul_case, "conv": conv_case, "block": block_case}
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        req = json.loads(line)
        repeats = int(req.pop("repeats"))
        key = json.dumps(req, sort_keys=True)
        try:
            if key != cache_key:
                run, cache_key = None, None
                run, cache_key = makers[req["kind"]](req), key
            times = []
            cpu0 = time.process_time()
            grad_mode = torch.enable_grad() if req["kind"] == "block" else torch.no_grad()
            with grad_mode:
                for _ in range(repeats):
                    t0 = time.perf_counter()
                    run()
                    times.append(time.perf_counter() - t0)
            print(json.dumps({"times": times, "cpu": time.process_time() - cpu0}), flush=True)
        except Exception as e:  # reported as this case's error, the process keeps serving
            print(json.dumps({"error": f"{type(e).__name__}: {e}".splitlines()[0]}), flush=True)


if __name__ == "__main__":
    main()
