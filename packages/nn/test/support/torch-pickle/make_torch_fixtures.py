"""Writes small torch.save checkpoints and the values they hold (expected.json) into the folder argv[1].

Run by the interop test only when PyTorch is importable. Each expected tensor is listed with its PyTorch
dtype, shape and values (flattened, as float64; bools as 0/1).
"""
import json
import os
import sys

import torch

out = sys.argv[1]
expected = {}


def record(name, obj, tensors, skipped):
    expected[name] = {
        "tensors": {
            k: {
                "dtype": str(t.dtype).replace("torch.", ""),
                "shape": list(t.shape),
                "values": t.detach().to(torch.float64).flatten().tolist(),
            }
            for k, t in tensors.items()
        },
        "skipped": skipped,
    }
    torch.save(obj, os.path.join(out, name))


torch.manual_seed(0)
base = torch.randn(3, 4)
dtypes = {
    "f32": base,
    "f16": base.half(),
    "bf16": base.bfloat16(),
    "f64": base.double(),
    "i64": torch.tensor([[-(2**31), 2**31 - 1, 0], [1, -1, 7]], dtype=torch.int64),
    "i32": torch.tensor([-5, 6, 2**31 - 1], dtype=torch.int32),
    "i16": torch.tensor([-300, 300], dtype=torch.int16),
    "i8": torch.tensor([-128, 127], dtype=torch.int8),
    "u8": torch.tensor([0, 255, 7], dtype=torch.uint8),
    "bool": torch.tensor([True, False, True]),
    "scalar": torch.tensor(2.5),
    "empty": torch.zeros(0, 3),
}
record("dtypes.pt", dtypes, dtypes, [])

grid = torch.arange(24, dtype=torch.float32).reshape(4, 6)
views = {
    "grid": grid,
    "transposed": grid.t(),
    "block": grid[1:3, 2:5],
    "row": grid[2],
    "column": grid[:, 3],
    "every_other": grid[:, ::2],
    "expanded": torch.arange(3, dtype=torch.float32).expand(4, 3),
    "permuted": torch.arange(24, dtype=torch.float16).reshape(2, 3, 4).permute(2, 0, 1),
}
record("views.pt", views, views, [])

model = torch.nn.Sequential(torch.nn.Conv2d(2, 3, 3), torch.nn.BatchNorm2d(3), torch.nn.Flatten(), torch.nn.Linear(3, 2))
opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
model(torch.randn(2, 2, 3, 3)).sum().backward()
opt.step()
sd = model.state_dict()
nested = {"state_dict": sd, "epoch": 5, "optimizer": opt.state_dict(), "name": "run", "losses": [1.0, 0.5]}
record("nested.pt", nested, {f"state_dict.{k}": v for k, v in sd.items()}, ["epoch", "optimizer", "name", "losses"])

half_sd = model.half().state_dict()
record("half_model.pt", half_sd, half_sd, [])

param = torch.nn.Parameter(torch.randn(2, 2))
with_state = torch.randn(3)
with_state.note = "kept by _rebuild_from_type_v2"
special = {"param": param, "with_state": with_state}
record("special.pt", special, special, [])

torch.save({"w": torch.ones(2)}, os.path.join(out, "legacy.pt"), _use_new_zipfile_serialization=False)


class Evil:
    def __reduce__(self):
        return (os.system, ("echo pwned",))


torch.save({"w": torch.ones(2), "evil": Evil()}, os.path.join(out, "malicious.pt"))

with open(os.path.join(out, "expected.json"), "w") as f:
    json.dump({"torch": torch.__version__, "files": expected}, f)
