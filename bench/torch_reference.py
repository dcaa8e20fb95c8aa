"""PyTorch reference timings for bench/main.ts: the same architectures (random weights), batch
and thread count, computing the same input gradients. Run with the system python3:

    /usr/bin/python3 bench/torch_reference.py '{"threads": 1, "budget": 2, "runs": [...]}'

Each run is {"workload": name, "batch": N, "method": "vanilla" | "smoothgrad" | "ig"}; prints one
JSON object per run on stdout: {"workload", "method", "batch", "iterations", "seconds", "images_per_s"}.
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


def main():
    config = json.loads(sys.argv[1])
    torch.set_num_threads(int(config.get("threads", 1)))
    budget = float(config.get("budget", 2))
    torch.manual_seed(0)
    for run in config["runs"]:
        build, shape, classes = MODELS[run["workload"]]
        model = build().eval()
        for p in model.parameters():
            p.requires_grad_(False)
        batch = int(run["batch"])
        x = torch.rand(batch, *shape)
        targets = torch.randint(0, classes, (batch,))
        method(run["method"], model, x, targets)  # warm-up
        iterations, start = 0, time.perf_counter()
        while True:
            method(run["method"], model, x, targets)
            iterations += 1
            elapsed = time.perf_counter() - start
            if elapsed >= budget or iterations >= int(run.get("max_iterations", 50)):
                break
        print(json.dumps({"workload": run["workload"], "method": run["method"], "batch": batch,
                          "iterations": iterations, "seconds": elapsed,
                          "images_per_s": batch * iterations / elapsed}), flush=True)


if __name__ == "__main__":
    main()
