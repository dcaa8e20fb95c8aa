"""The README's quickstart job done with PyTorch, end to end, for bench/quickstart.ts:

    /usr/bin/python3 bench/torch_quickstart.py MODEL_JSON INPUTS_NPY LABELS_NPY OUT_NPY [THREADS]

Loads the Fashion-MNIST CNN's tfjs weights (model.json + weights.bin) into the same architecture,
reads the inputs [N, 28, 28, 1] and labels, and writes the vanilla-gradient saliency maps
(Simonyan et al. 2014: |dS_c/dx| of the pre-softmax score of the label, max over channels) as
float32 [N, 28, 28], batches of 64 like gradlens's default. `import torch` is part of the job: the
caller times this whole process, as a user would experience the script.
"""
import json
import os
import sys

import numpy as np
import torch
from torch import nn


def load_tfjs_weights(model_json):
    with open(model_json) as f:
        manifest = json.load(f)['weightsManifest']
    weights = {}
    folder = os.path.dirname(model_json)
    for group in manifest:
        data = b''.join(open(os.path.join(folder, p), 'rb').read() for p in group['paths'])
        offset = 0
        for w in group['weights']:
            count = int(np.prod(w['shape']))
            weights[w['name']] = np.frombuffer(data, np.float32, count, offset).reshape(w['shape'])
            offset += count * 4
    return weights


class ChannelsLastFlatten(nn.Module):
    """Keras flattens [N, H, W, C]; PyTorch's tensors are [N, C, H, W]."""

    def forward(self, x):
        return x.permute(0, 2, 3, 1).flatten(1)


def fashion_cnn(w):
    model = nn.Sequential(nn.Conv2d(1, 16, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(16, 32, 3), nn.ReLU(),
                          nn.MaxPool2d(2), ChannelsLastFlatten(), nn.Linear(800, 64), nn.ReLU(), nn.Linear(64, 10))
    t = lambda a: torch.from_numpy(np.array(a))  # a writable copy
    with torch.no_grad():
        model[0].weight.copy_(t(w['conv1/kernel'].transpose(3, 2, 0, 1)))
        model[0].bias.copy_(t(w['conv1/bias']))
        model[3].weight.copy_(t(w['conv2/kernel'].transpose(3, 2, 0, 1)))
        model[3].bias.copy_(t(w['conv2/bias']))
        model[7].weight.copy_(t(w['dense1/kernel'].T))
        model[7].bias.copy_(t(w['dense1/bias']))
        model[9].weight.copy_(t(w['scores/kernel'].T))
        model[9].bias.copy_(t(w['scores/bias']))
    for p in model.parameters():
        p.requires_grad_(False)
    return model.eval()


def main():
    model_json, inputs, labels, out = sys.argv[1:5]
    torch.set_num_threads(int(sys.argv[5]) if len(sys.argv) > 5 else 1)
    model = fashion_cnn(load_tfjs_weights(model_json))
    x_all = np.load(inputs).astype(np.float32)
    y_all = np.load(labels).astype(np.int64)
    maps = []
    for start in range(0, len(x_all), 64):
        x = torch.from_numpy(x_all[start:start + 64]).permute(0, 3, 1, 2).requires_grad_(True)
        scores = model(x)  # pre-softmax: the softmax of the tfjs model is left out
        y = torch.from_numpy(y_all[start:start + 64])
        scores.gather(1, y[:, None]).sum().backward()
        maps.append(x.grad.abs().amax(dim=1).numpy())
    np.save(out, np.concatenate(maps).astype(np.float32))


main()
