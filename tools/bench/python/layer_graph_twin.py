"""PyTorch twin of any GraphFlow backbone, rebuilt from the layer graph tools/bench/src/layer-graph.ts exports.

The students bench (`--students`) exports each tf.layers model it measures and times this rebuild of the same
graph in the same run: same layers, widths, kernel sizes, dilations, strides and biases, so params match exactly
(checked by the caller) and FLOPs match. Differences, all of which leave the cost unchanged: NCHW storage (the
logical layout stays NHWC, so Permute keeps its Keras meaning), PyTorch's symmetric padding for odd kernels where
TensorFlow's "same" pads one more pixel at the end on strided layers, and PyTorch's own initialisers.

Prints one JSON object: version, threads, trainable params, per-iteration milliseconds of an inference pass
(no_grad, eval mode) and of a training step (forward in train mode, softmax cross-entropy against random labels,
backward, Adam 1e-3), the last loss, the output shape and the peak RSS.
"""
import argparse
import json
import resource

import torch
import torch.nn as nn
import torch.nn.functional as F

from bench_timing import adam_cross_entropy_step, timed


def pair(v):
    return tuple(v) if isinstance(v, (list, tuple)) else (v, v)


ACTIVATIONS = {"linear": None, "relu": nn.ReLU, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "relu6": nn.ReLU6}


def activation(name, where):
    if name not in ACTIVATIONS:
        raise ValueError(f"{where}: activation {name!r} has no twin")
    make = ACTIVATIONS[name]
    return make() if make else None


def same_padding(kernel, stride, dilation, padding, where):
    """Conv2d's padding for TensorFlow's "same" (output = ceil(input / stride)) on inputs divisible by the stride.

    TensorFlow pads kernel_extent − stride in total, the odd pixel at the end; odd kernels here pad symmetrically
    instead (same output size and cost), even ones get the exact asymmetric pad as a separate ZeroPad2d.
    Returns (conv padding, pre-pad for nn.ZeroPad2d or None).
    """
    if padding == "valid":
        return (0, 0), None
    if padding != "same":
        raise ValueError(f"{where}: padding {padding!r} has no twin")
    totals = [max(d * (k - 1) + 1 - s, 0) for k, s, d in zip(kernel, stride, dilation)]
    if all(t % 2 == 0 for t in totals):
        return tuple(t // 2 for t in totals), None
    if all(k % 2 == 1 for k in kernel):
        return tuple(d * (k - 1) // 2 for k, d in zip(kernel, dilation)), None
    (th, tw) = totals
    return (0, 0), (tw // 2, tw - tw // 2, th // 2, th - th // 2)


def with_activation(module, cfg, where):
    act = activation(cfg.get("activation", "linear"), where)
    return nn.Sequential(module, act) if act else module


def conv(layer):
    cfg, where = layer["config"], layer["name"]
    k, s, d = pair(cfg["kernel_size"]), pair(cfg["strides"]), pair(cfg.get("dilation_rate", 1))
    cin = layer["inChannels"][0]
    if layer["className"] == "DepthwiseConv2D":
        out, groups = cin * cfg["depth_multiplier"], cin
    else:
        out, groups = cfg["filters"], 1
    conv_padding, pre_pad = same_padding(k, s, d, cfg["padding"], where)
    m = nn.Conv2d(cin, out, k, stride=s, padding=conv_padding, dilation=d, groups=groups, bias=cfg["use_bias"])
    if pre_pad is not None:
        m = nn.Sequential(nn.ZeroPad2d(pre_pad), m)
    return with_activation(m, cfg, where)


def conv_transpose(layer):
    cfg, where = layer["config"], layer["name"]
    k, s = pair(cfg["kernel_size"]), pair(cfg["strides"])
    if cfg["padding"] == "same":
        # TensorFlow's output is input × stride: (H − 1)·s − 2p + k + op = H·s.
        p = tuple(max(0, -(-(ki - si) // 2)) for ki, si in zip(k, s))
        op = tuple(2 * pi - (ki - si) for pi, ki, si in zip(p, k, s))
    else:
        p, op = (0, 0), (0, 0)
    m = nn.ConvTranspose2d(layer["inChannels"][0], cfg["filters"], k, stride=s, padding=p, output_padding=op, bias=cfg["use_bias"])
    return with_activation(m, cfg, where)


def batch_norm(layer):
    cfg = layer["config"]
    if cfg["axis"] not in (-1, 3) or not (cfg["center"] and cfg["scale"]):
        raise ValueError(f"{layer['name']}: only channels-last batch norm with centre and scale has a twin")
    return nn.BatchNorm2d(layer["inChannels"][0], eps=cfg["epsilon"], momentum=1 - cfg["momentum"])


def prelu(layer):
    if sorted(layer["config"].get("shared_axes") or []) != [1, 2]:
        raise ValueError(f"{layer['name']}: only PReLU shared over both spatial axes (one alpha per channel) has a twin")
    return nn.PReLU(layer["inChannels"][0], init=0.0)


def relu(layer):
    top = layer["config"].get("max_value")
    return nn.ReLU() if top is None else nn.Hardtanh(0.0, float(top))


def max_pool(layer):
    cfg = layer["config"]
    if cfg["padding"] != "valid":
        raise ValueError(f"{layer['name']}: only 'valid' max pooling has a twin")
    return nn.MaxPool2d(pair(cfg["pool_size"]), stride=pair(cfg["strides"] or cfg["pool_size"]))


def dropout(layer):
    cfg = layer["config"]
    shape = cfg.get("noise_shape")
    spatial = layer["className"] == "SpatialDropout2D" or (shape is not None and list(shape[1:3]) == [1, 1])
    return nn.Dropout2d(cfg["rate"]) if spatial else nn.Dropout(cfg["rate"])


def upsample(layer):
    cfg = layer["config"]
    mode = cfg.get("interpolation", "nearest")
    return nn.Upsample(scale_factor=pair(cfg["size"]), mode=mode, **({"align_corners": False} if mode == "bilinear" else {}))


class Permute(nn.Module):
    """Keras Permute on the logical NHWC tensor, applied to NCHW storage as one view."""

    def __init__(self, dims):
        super().__init__()
        to_nhwc, to_nchw = [0, 2, 3, 1], [0, 3, 1, 2]
        keras = [0] + list(dims)
        composed = [to_nhwc[i] for i in keras]
        self.perm = [composed[i] for i in to_nchw]

    def forward(self, x):
        return x.permute(*self.perm)


class ZeroPad(nn.Module):
    def __init__(self, padding):
        super().__init__()
        (top, bottom), (left, right) = padding
        self.pad = (left, right, top, bottom)

    def forward(self, x):
        return F.pad(x, self.pad)


class Concat(nn.Module):
    def __init__(self, axis):
        super().__init__()
        if axis not in (-1, 3):
            raise ValueError("only channel concatenation has a twin")

    def forward(self, *xs):
        return torch.cat(xs, dim=1)


class Sum(nn.Module):
    def forward(self, *xs):
        out = xs[0]
        for x in xs[1:]:
            out = out + x
        return out


BUILDERS = {
    "Conv2D": conv,
    "GraphFlowDilatedConv2D": conv,
    "DepthwiseConv2D": conv,
    "Conv2DTranspose": conv_transpose,
    "BatchNormalization": batch_norm,
    "GraphFlowBatchNormalization": batch_norm,
    "PReLU": prelu,
    "ReLU": relu,
    "Activation": lambda layer: activation(layer["config"]["activation"], layer["name"]) or nn.Identity(),
    "MaxPooling2D": max_pool,
    "Concatenate": lambda layer: Concat(layer["config"]["axis"]),
    "Add": lambda layer: Sum(),
    "Permute": lambda layer: Permute(layer["config"]["dims"]),
    "ZeroPadding2D": lambda layer: ZeroPad(layer["config"]["padding"]),
    "Dropout": dropout,
    "SpatialDropout2D": dropout,
    "UpSampling2D": upsample,
}


class LayerGraphNet(nn.Module):
    """Runs the exported graph in its topological order and returns the first output (the logits).

    An intermediate is dropped after its last consumer, as a hand-written forward would let it go.
    """

    def __init__(self, graph):
        super().__init__()
        if len(graph["inputs"]) != 1:
            raise ValueError("only single-input graphs have a twin")
        self.input = graph["inputs"][0]
        self.output = graph["outputs"][0]
        self.steps = []
        self.mods = nn.ModuleDict()
        last_use = {}
        for i, layer in enumerate(graph["layers"]):
            for name in layer["inbound"]:
                last_use[name] = i
        last_use[self.output] = len(graph["layers"])
        for i, layer in enumerate(graph["layers"]):
            if layer["className"] == "InputLayer":
                continue
            build = BUILDERS.get(layer["className"])
            if build is None:
                raise ValueError(f"{layer['name']}: class {layer['className']} has no twin")
            key = f"m{i}"
            self.mods[key] = build(layer)
            free = [n for n in layer["inbound"] if last_use[n] == i]
            self.steps.append((layer["name"], key, layer["inbound"], free))

    def forward(self, x):
        env = {self.input: x}
        for name, key, inbound, free in self.steps:
            env[name] = self.mods[key](*[env[n] for n in inbound])
            for n in free:
                del env[n]
        return env[self.output]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--graph", required=True)
    p.add_argument("--in-channels", type=int, required=True)
    p.add_argument("--classes", type=int, required=True)
    p.add_argument("--size", type=int, default=256)
    p.add_argument("--batch", type=int, default=1)
    p.add_argument("--train-size", type=int, default=128)
    p.add_argument("--train-batch", type=int, default=4)
    p.add_argument("--iterations", type=int, default=10)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--threads", type=int, default=2)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    with open(a.graph) as f:
        net = LayerGraphNet(json.load(f))
    params = sum(t.numel() for t in net.parameters())
    images = torch.randn(a.batch, a.in_channels, a.size, a.size)
    train_images = torch.randn(a.train_batch, a.in_channels, a.train_size, a.train_size)
    labels = torch.randint(0, a.classes, (a.train_batch, a.train_size, a.train_size))
    last = {}
    train_step = adam_cross_entropy_step(net, train_images, labels, last)

    def infer_step():
        with torch.no_grad():
            last["shape"] = list(net(images).shape)


    # Inference first, as the tfjs side times it: freshly initialised weights, running statistics at their start.
    net.eval()
    timed(infer_step, a.warmup)
    infer = timed(infer_step, a.iterations)
    net.train()
    timed(train_step, a.warmup)
    train = timed(train_step, a.iterations)
    print(json.dumps({
        "version": torch.__version__,
        "threads": torch.get_num_threads(),
        "params": params,
        "inferenceMs": infer,
        "trainMs": train,
        "lastLoss": last["loss"],
        "outputShape": last["shape"],
        "peakRssMiB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }))


if __name__ == "__main__":
    main()
