"""What the bench's PyTorch twins share: the timing loop and the training step they time."""
import time

import torch
import torch.nn.functional as F


def timed(fn, n):
    """Milliseconds of each of n calls of fn."""
    samples = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    return samples


def adam_cross_entropy_step(net, images, labels, last, lr=1e-3):
    """One training step as the tfjs side times it: forward, softmax cross-entropy, backward, Adam; the loss goes to last["loss"]."""
    opt = torch.optim.Adam(net.parameters(), lr=lr)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(net(images), labels)
        loss.backward()
        opt.step()
        last["loss"] = loss.item()

    return step
