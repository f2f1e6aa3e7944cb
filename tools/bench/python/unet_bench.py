"""PyTorch twin of tools/bench/src/reference-unet.ts (keep them identical).

Prints one JSON object: version, threads, per-iteration milliseconds of a training step (forward,
softmax cross-entropy, backward, Adam) and of an inference pass, and peak RSS. NCHW here, NHWC in tfjs;
same layers, widths, bias-free convs before batch norm, same FLOPs.
"""
import argparse
import json
import resource

import torch
import torch.nn as nn
import torch.nn.functional as F

from bench_timing import adam_cross_entropy_step, timed


def conv_bn_relu(cin, cout):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout, eps=1e-5), nn.ReLU(inplace=True))


class ReferenceUNet(nn.Module):
    def __init__(self, in_channels=1, classes=2, base=16, levels=4):
        super().__init__()
        widths = [base * 2 ** i for i in range(levels)]
        self.down = nn.ModuleList(
            nn.Sequential(conv_bn_relu(in_channels if i == 0 else widths[i - 1], w), conv_bn_relu(w, w)) for i, w in enumerate(widths)
        )
        self.up = nn.ModuleList(nn.ConvTranspose2d(widths[i + 1], w, 2, stride=2) for i, w in enumerate(widths[:-1]))
        self.up_block = nn.ModuleList(nn.Sequential(conv_bn_relu(2 * w, w), conv_bn_relu(w, w)) for w in widths[:-1])
        self.head = nn.Conv2d(base, classes, 1)

    def forward(self, x):
        skips = []
        for level, block in enumerate(self.down):
            x = block(x)
            if level < len(self.down) - 1:
                skips.append(x)
                x = F.max_pool2d(x, 2)
        for level in range(len(self.up) - 1, -1, -1):
            x = torch.cat([self.up[level](x), skips[level]], dim=1)
            x = self.up_block[level](x)
        return self.head(x)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--size", type=int, default=128)
    p.add_argument("--base", type=int, default=16)
    p.add_argument("--batch", type=int, default=4)
    p.add_argument("--iterations", type=int, default=10)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--threads", type=int, default=2)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    net = ReferenceUNet(base=a.base)
    images = torch.randn(a.batch, 1, a.size, a.size)
    labels = torch.randint(0, 2, (a.batch, a.size, a.size))
    last = {}
    train_step = adam_cross_entropy_step(net, images, labels, last)

    def infer_step():
        with torch.no_grad():
            net(images)

    net.train()
    timed(train_step, a.warmup)
    train = timed(train_step, a.iterations)
    net.eval()
    timed(infer_step, 1)
    infer = timed(infer_step, a.iterations)
    print(json.dumps({
        "version": torch.__version__,
        "threads": torch.get_num_threads(),
        "trainMs": train,
        "inferenceMs": infer,
        "lastLoss": last["loss"],
        "peakRssMiB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }))


if __name__ == "__main__":
    main()
