"""PyTorch reference timings for bench/: the same architectures (random weights), batch and
thread count, computing the same input gradients. Run with the system python3, in one of two modes:

    /usr/bin/python3 bench/torch_reference.py --serve THREADS
    /usr/bin/python3 bench/torch_reference.py '{"threads": 1, "budget": 2, "runs": [...]}'

--serve (bench/main.ts, interleaved with gradlens): prints {"ready": true, "torch": version,
"threads": N}, then answers each JSON request line on stdin, {"workload", "batch", "method",
"budget", "max_iterations"}, with one JSON line {"ms": [milliseconds of each timed call]} (or
{"error": message}) after one untimed warm-up call. Models and inputs are built once per process;
the thread count is fixed for the process (oneDNN primitives are built for the threads they run on).

One-shot (bench/workers.ts): each run is {"workload", "batch", "method"}; prints one JSON object per
run: {"workload", "method", "batch", "iterations", "seconds", "images_per_s"}.

Methods: "vanilla", "smoothgrad" or "smoothgrad-50", "ig" or "ig-50" (50 passes each).
Parameters have requires_grad=False, so autograd computes input gradients only (the best case
for PyTorch, and what gradlens computes).
"""
import json
import sys
import time

import torch
from torch import nn


def cnn3():
    conv = lambda i, o: [nn.Conv2d(i, o, 3, padding=1), nn.ReLU()]
    return nn.Sequential(*conv(3, 32), nn.MaxPool2d(2), *conv(32, 64), nn.MaxPool2d(2), *conv(64, 64),
                         nn.Flatten(), nn.Linear(64 * 8 * 8, 10))


def fashion():
    # examples/fashion-mnist/model.ts: valid 3x3 convs, 28 -> 26 -> 13 -> 11 -> 5.
    return nn.Sequential(nn.Conv2d(1, 16, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(16, 32, 3), nn.ReLU(),
                         nn.MaxPool2d(2), nn.Flatten(), nn.Linear(32 * 5 * 5, 64), nn.ReLU(), nn.Linear(64, 10))


def mobilenetv2():
    # nsfwjs's MobileNetV2: the ImageNet backbone, then Dense 256 -> 128 -> 5 (ReLU, dropout at training).
    import torchvision
    model = torchvision.models.mobilenet_v2()
    model.classifier = nn.Sequential(nn.Linear(1280, 256), nn.ReLU(), nn.Dropout(0.2), nn.Linear(256, 128),
                                     nn.ReLU(), nn.Dropout(0.2), nn.Linear(128, 5))
    return model


MODELS = {"cnn3": (cnn3, (3, 32, 32), 10), "fashion": (fashion, (1, 28, 28), 10),
          "mobilenetv2": (mobilenetv2, (3, 224, 224), 5)}


def grad(model, x, targets):
    x = x.detach().requires_grad_(True)
    score = model(x).gather(1, targets[:, None]).sum()
    (g,) = torch.autograd.grad(score, x)
    return g


def method(name, model, x, targets, samples=50):
    name = name.split("-")[0]
    if name == "vanilla":
        return grad(model, x, targets)
    if name == "smoothgrad":
        sigma = 0.15 * (x.max() - x.min())
        return sum(grad(model, x + sigma * torch.randn_like(x), targets) for _ in range(samples)) / samples
    if name == "ig":
        alphas = torch.linspace(0, 1, samples)
        total = sum(grad(model, a * x, targets) for a in alphas) / samples
        return x * total
    raise ValueError(name)


def prepare(workload, batch):
    build, shape, classes = MODELS[workload]
    torch.manual_seed(0)
    model = build().eval()
    for p in model.parameters():
        p.requires_grad_(False)
    return model, torch.rand(batch, *shape), torch.randint(0, classes, (batch,))


def timed(run, budget, max_iterations):
    """Milliseconds of each call after one untimed warm-up, until budget seconds or max_iterations."""
    run()
    ms = []
    while not ms or (sum(ms) < budget * 1000 and len(ms) < max_iterations):
        start = time.perf_counter()
        run()
        ms.append((time.perf_counter() - start) * 1000)
    return ms


def serve(threads):
    torch.set_num_threads(threads)
    prepared = {}
    print(json.dumps({"ready": True, "torch": torch.__version__, "threads": torch.get_num_threads()}), flush=True)
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            r = json.loads(line)
            key = (r["workload"], int(r["batch"]))
            if key not in prepared:
                prepared[key] = prepare(*key)
            model, x, targets = prepared[key]
            ms = timed(lambda: method(r["method"], model, x, targets), float(r.get("budget", 1)),
                       int(r.get("max_iterations", 20)))
            reply = {"ms": ms}
        except Exception as error:  # reported to the caller, which records it in the row
            reply = {"error": f"{type(error).__name__}: {error}"}
        print(json.dumps(reply), flush=True)


def main():
    if sys.argv[1] == "--serve":
        serve(int(sys.argv[2]))
        return
    config = json.loads(sys.argv[1])
    torch.set_num_threads(int(config.get("threads", 1)))
    budget = float(config.get("budget", 2))
    for run in config["runs"]:
        batch = int(run["batch"])
        model, x, targets = prepare(run["workload"], batch)
        ms = timed(lambda: method(run["method"], model, x, targets), budget, int(run.get("max_iterations", 50)))
        seconds = sum(ms) / 1000
        print(json.dumps({"workload": run["workload"], "method": run["method"], "batch": batch,
                          "iterations": len(ms), "seconds": seconds,
                          "images_per_s": batch * len(ms) / seconds}), flush=True)


if __name__ == "__main__":
    main()
