"""PyTorch twin of bench/supernet-speed.cjs's NAS-Bench-201 line (issue #14 item 4): a measuring
stick only, never used by the app. The same network as src-main/core/supernet/nb201-supernet.ts
at the demo's shape: stem conv3x3-BN, then per stage N cells (every edge holds the weights of all
five ops; one uniformly sampled path per batch), a residual block (ReLU-conv3x3/2-BN,
ReLU-conv3x3-BN, avgpool2-conv1x1 shortcut) between stages, BN-ReLU, global average pool,
linear. BN without affine parameters in training mode (batch statistics), SGD with momentum 0.9,
weight decay 3e-4 and a cosine learning rate from 0.025, cross-entropy, batch 16 of 28x28x1
random images (the speed does not depend on the pixels).

  python bench/supernet_torch_twin.py [--threads 1] [--steps 60] [--C 8] [--N 1] [--batch 16]

Prints one JSON line with imagesPerSecond (timed steps after 3 warm-up steps).
"""
import argparse, json, math, random, time
import torch, torch.nn as nn, torch.nn.functional as F

EDGES = [(1, 0), (2, 0), (2, 1), (3, 0), (3, 1), (3, 2)]  # (to, from), NB201's order

def rcb(cin, cout, k, stride=1):
    return nn.Sequential(nn.ReLU(), nn.Conv2d(cin, cout, k, stride, k // 2, bias=False), nn.BatchNorm2d(cout, affine=False, track_running_stats=False))

class Edge(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv1, self.conv3 = rcb(c, c, 1), rcb(c, c, 3)
    def forward(self, x, op):
        if op == 0: return None  # none
        if op == 1: return x  # skip_connect
        if op == 2: return self.conv1(x)
        if op == 3: return self.conv3(x)
        return F.avg_pool2d(x, 3, 1, 1, count_include_pad=False)

class Cell(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.edges = nn.ModuleList(Edge(c) for _ in EDGES)
    def forward(self, x, arch):
        nodes = [x]
        for to in (1, 2, 3):
            s = None
            for e, (t, f) in enumerate(EDGES):
                if t != to: continue
                y = self.edges[e](nodes[f], arch[e])
                if y is not None: s = y if s is None else s + y
            nodes.append(s if s is not None else torch.zeros_like(x))
        return nodes[3]

class Reduction(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.a, self.b = rcb(cin, cout, 3, 2), rcb(cout, cout, 3)
        self.short = nn.Conv2d(cin, cout, 1, bias=False)
    def forward(self, x):
        return self.b(self.a(x)) + self.short(F.avg_pool2d(x, 2, 2))

class Supernet(nn.Module):
    def __init__(self, C, N, classes=10):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(1, C, 3, 1, 1, bias=False), nn.BatchNorm2d(C, affine=False, track_running_stats=False))
        self.stages = nn.ModuleList()
        c = C
        for s in range(3):
            mods = nn.ModuleList()
            if s > 0:
                mods.append(Reduction(c, c * 2)); c *= 2
            for _ in range(N): mods.append(Cell(c))
            self.stages.append(mods)
        self.last = nn.BatchNorm2d(c, affine=False, track_running_stats=False)
        self.fc = nn.Linear(c, classes)
    def forward(self, x, arch):
        h = self.stem(x)
        for mods in self.stages:
            for m in mods: h = m(h) if isinstance(m, Reduction) else m(h, arch)
        return self.fc(F.relu(self.last(h)).mean((2, 3)))

def main():
    p = argparse.ArgumentParser()
    p.add_argument('--threads', type=int, default=1); p.add_argument('--steps', type=int, default=60)
    p.add_argument('--C', type=int, default=8); p.add_argument('--N', type=int, default=1); p.add_argument('--batch', type=int, default=16)
    a = p.parse_args()
    torch.set_num_threads(a.threads); torch.manual_seed(0); random.seed(0)
    net = Supernet(a.C, a.N)
    opt = torch.optim.SGD(net.parameters(), lr=0.025, momentum=0.9, weight_decay=3e-4)
    x = torch.randn(a.batch, 1, 28, 28); y = torch.randint(0, 10, (a.batch,))
    def step(i, total):
        for g in opt.param_groups: g['lr'] = 1e-3 + 0.5 * (0.025 - 1e-3) * (1 + math.cos(math.pi * i / total))
        arch = [random.randrange(5) for _ in EDGES]
        loss = F.cross_entropy(net(x, arch), y)
        opt.zero_grad(set_to_none=True); loss.backward(); opt.step()
    for i in range(3): step(i, a.steps)
    t0 = time.perf_counter()
    for i in range(a.steps): step(i, a.steps)
    dt = time.perf_counter() - t0
    print(json.dumps({'impl': 'pytorch', 'torch': torch.__version__, 'threads': a.threads, 'C': a.C, 'N': a.N, 'batch': a.batch, 'steps': a.steps, 'seconds': dt, 'imagesPerSecond': a.steps * a.batch / dt}))

if __name__ == '__main__':
    main()
