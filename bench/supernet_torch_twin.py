"""PyTorch twins of bench/supernet-speed.cjs's supernets (issue #14 item 4, issue #13 item 4): a
measuring stick only, never used by the app. The same networks, at the same shapes, as

- src-main/core/supernet/nb201-supernet.ts (--space nb201, the default): stem conv3x3-BN, then
  per stage N cells (every edge holds the weights of all five ops; one uniformly sampled path per
  batch), a residual block (ReLU-conv3x3/2-BN, ReLU-conv3x3-BN, avgpool2-conv1x1 shortcut)
  between stages, BN-ReLU, global average pool, linear. Every BN has a learnable gamma and beta
  (ours: ParamStore.constant variables) and normalises with batch statistics.
- src-main/core/supernet/darts-supernet.ts (--space darts): DARTS's search network
  (model_search.py) as a single-path supernet: stem conv3x3 to 3C channels + BN (affine), then
  N cells (reduction cells at N//3 and 2N//3 double C and halve the image), each reading the two
  previous outputs through preprocess0 (FactorizedReduce after a reduction cell, else
  ReLU-conv1x1-BN) and preprocess1 (ReLU-conv1x1-BN); node k = op(state i) + op(state j) of a
  uniformly sampled genotype (ops on a reduction cell's inputs have stride 2); the output
  concatenates the four nodes; global average pool, linear. Every (cell, node, input, op) holds
  its own weights; the operations' BNs are affine=False, pools are followed by BN (MixedOp).

SGD with momentum 0.9, weight decay 3e-4 and a cosine learning rate from --lr, cross-entropy on
random images of --image (the speed does not depend on the pixels), 10 classes. Each step takes
its batch from a host tensor and moves it to the device (ours fills each batch on the host too)
and reads the loss (ours reads it every step: it checks for divergence); --no-read-loss skips
that read. With --device cuda the timing is bracketed by torch.cuda.synchronize().

  python bench/supernet_torch_twin.py [--space nb201|darts] [--device cpu|cuda] [--threads 1]
      [--steps 60] [--warm-steps 3] [--C 8] [--N 1] [--batch 16] [--image 28x28x1] [--lr 0.1]
      [--no-tf32] [--no-read-loss] [--archs paths.json]

Prints one JSON line with imagesPerSecond (timed steps after the warm-up steps) and params, the
supernet's parameter count (bench/supernet-speed.cjs prints ours: equal counts check the twin). The defaults
are the NB201 demo's shape (SUPERNET_SPECS.nb201.defaults: C = 8, N = 1, batch 16, 28x28x1).
"""
import argparse, json, math, random, sys, time
import torch, torch.nn as nn, torch.nn.functional as F

# ----------------------------------------------------------------------------- NAS-Bench-201

EDGES = [(1, 0), (2, 0), (2, 1), (3, 0), (3, 1), (3, 2)]  # (to, from), NB201's order
NB201_OPS = 5

def bn(c, affine=True):
    return nn.BatchNorm2d(c, affine=affine, track_running_stats=False)

def rcb(cin, cout, k, stride=1):
    return nn.Sequential(nn.ReLU(), nn.Conv2d(cin, cout, k, stride, k // 2, bias=False), bn(cout))

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

class Nb201Supernet(nn.Module):
    def __init__(self, C, N, in_channels, classes=10):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(in_channels, C, 3, 1, 1, bias=False), bn(C))
        self.stages = nn.ModuleList()
        c = C
        for s in range(3):
            mods = nn.ModuleList()
            if s > 0:
                mods.append(Reduction(c, c * 2)); c *= 2
            for _ in range(N): mods.append(Cell(c))
            self.stages.append(mods)
        self.last = bn(c)
        self.fc = nn.Linear(c, classes)
    def forward(self, x, arch):
        h = self.stem(x)
        for mods in self.stages:
            for m in mods: h = m(h) if isinstance(m, Reduction) else m(h, arch)
        return self.fc(F.relu(self.last(h)).mean((2, 3)))
    @staticmethod
    def sample(rng):
        return [rng.randrange(NB201_OPS) for _ in EDGES]

# ----------------------------------------------------------------------------- DARTS

DARTS_OPS = ['max_pool_3x3', 'avg_pool_3x3', 'skip_connect', 'sep_conv_3x3', 'sep_conv_5x5', 'dil_conv_3x3', 'dil_conv_5x5']
STEPS = 4  # intermediate nodes per cell
STEM_MULTIPLIER = 3

class ReLUConvBN(nn.Sequential):
    def __init__(self, cin, cout, affine=False):
        super().__init__(nn.ReLU(), nn.Conv2d(cin, cout, 1, bias=False), bn(cout, affine))

class FactorizedReduce(nn.Module):
    def __init__(self, cin, cout, affine=False):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout // 2, 1, 2, bias=False)
        self.conv2 = nn.Conv2d(cin, cout // 2, 1, 2, bias=False)
        self.bn = bn(cout, affine)
    def forward(self, x):
        x = F.relu(x)
        return self.bn(torch.cat([self.conv1(x), self.conv2(x[:, :, 1:, 1:])], 1))

def sep_conv(c, k, stride):
    p = k // 2
    return nn.Sequential(
        nn.ReLU(), nn.Conv2d(c, c, k, stride, p, groups=c, bias=False), nn.Conv2d(c, c, 1, bias=False), bn(c, False),
        nn.ReLU(), nn.Conv2d(c, c, k, 1, p, groups=c, bias=False), nn.Conv2d(c, c, 1, bias=False), bn(c, False))

def dil_conv(c, k, stride):
    return nn.Sequential(nn.ReLU(), nn.Conv2d(c, c, k, stride, k - 1, dilation=2, groups=c, bias=False), nn.Conv2d(c, c, 1, bias=False), bn(c, False))

def darts_op(name, c, stride):
    if name == 'max_pool_3x3': return nn.Sequential(nn.MaxPool2d(3, stride, 1), bn(c, False))
    if name == 'avg_pool_3x3': return nn.Sequential(nn.AvgPool2d(3, stride, 1, count_include_pad=False), bn(c, False))
    if name == 'skip_connect': return nn.Identity() if stride == 1 else FactorizedReduce(c, c)
    if name == 'sep_conv_3x3': return sep_conv(c, 3, stride)
    if name == 'sep_conv_5x5': return sep_conv(c, 5, stride)
    if name == 'dil_conv_3x3': return dil_conv(c, 3, stride)
    if name == 'dil_conv_5x5': return dil_conv(c, 5, stride)
    raise ValueError(name)

class DartsCell(nn.Module):
    def __init__(self, cpp, cp, c, reduction, reduction_prev):
        super().__init__()
        self.reduction = reduction
        self.pre0 = FactorizedReduce(cpp, c) if reduction_prev else ReLUConvBN(cpp, c)
        self.pre1 = ReLUConvBN(cp, c)
        # edges[k][i][op]: node k reading state i (0, 1: the cell's inputs; 2..: earlier nodes).
        self.edges = nn.ModuleList(
            nn.ModuleList(nn.ModuleList(darts_op(op, c, 2 if reduction and i < 2 else 1) for op in DARTS_OPS) for i in range(k + 2))
            for k in range(STEPS))
    def forward(self, s0, s1, pairs):
        states = [self.pre0(s0), self.pre1(s1)]
        for k in range(STEPS):
            (oa, ia), (ob, ib) = pairs[2 * k], pairs[2 * k + 1]
            states.append(self.edges[k][ia][oa](states[ia]) + self.edges[k][ib][ob](states[ib]))
        return torch.cat(states[2:], 1)

class DartsSupernet(nn.Module):
    def __init__(self, C, layers, in_channels, classes=10):
        super().__init__()
        if C < 2 or C % 2: raise SystemExit(f'DARTS supernet: even C >= 2 needed (got {C})')
        cs = STEM_MULTIPLIER * C
        self.stem = nn.Sequential(nn.Conv2d(in_channels, cs, 3, 1, 1, bias=False), bn(cs, True))
        cpp, cp, c = cs, cs, C
        self.cells = nn.ModuleList()
        reduction_prev = False
        for i in range(layers):
            reduction = i in (layers // 3, 2 * layers // 3)
            if reduction: c *= 2
            self.cells.append(DartsCell(cpp, cp, c, reduction, reduction_prev))
            reduction_prev = reduction
            cpp, cp = cp, STEPS * c
        self.reductions = sum(1 for cell in self.cells if cell.reduction)
        self.fc = nn.Linear(cp, classes)
    def forward(self, x, g):
        s0 = s1 = self.stem(x)
        for cell in self.cells:
            s0, s1 = s1, cell(s0, s1, g[1] if cell.reduction else g[0])
        return self.fc(s1.mean((2, 3)))
    @staticmethod
    def sample(rng):
        # As common/spaces/darts.ts sampleCell: two distinct inputs per node, ops uniform.
        def cell():
            pairs = []
            for k in range(STEPS):
                a = rng.randrange(k + 2)
                b = (a + 1 + rng.randrange(k + 1)) % (k + 2)
                pairs += [(rng.randrange(len(DARTS_OPS)), a), (rng.randrange(len(DARTS_OPS)), b)]
            return pairs
        return (cell(), cell())

# ----------------------------------------------------------------------------- timing

def parse_image(s):
    try:
        h, w, c = (int(v) for v in s.lower().split('x'))
        if min(h, w, c) < 1: raise ValueError
        return h, w, c
    except ValueError:
        raise SystemExit(f'--image: expected HxWxC with positive integers, e.g. 32x32x3 (got "{s}")')

def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--space', choices=['nb201', 'darts'], default='nb201')
    p.add_argument('--device', default='cpu', help='cpu, cuda or cuda:N')
    p.add_argument('--threads', type=int, default=1, help='CPU threads (torch.set_num_threads)')
    p.add_argument('--steps', type=int, default=60); p.add_argument('--warm-steps', type=int, default=3)
    p.add_argument('--C', type=int, default=8); p.add_argument('--N', type=int, default=1); p.add_argument('--batch', type=int, default=16)
    p.add_argument('--image', default='28x28x1', help='HxWxC of the random input images')
    p.add_argument('--lr', type=float, default=None, help='initial learning rate (default: the space\'s demo lrMax, 0.1 NB201, 0.05 DARTS)')
    p.add_argument('--no-tf32', action='store_true', help='CUDA: plain fp32 convolutions (PyTorch\'s default lets cuDNN use TF32)')
    p.add_argument('--no-read-loss', action='store_true', help='do not read the loss back every step')
    p.add_argument('--archs', help='JSON file {"warm": [...], "timed": [...]} of the paths to train, step by step (bench/supernet-speed.cjs writes ours: both then train the same paths); sets --steps and --warm-steps')
    a = p.parse_args()
    if a.steps < 1 or a.warm_steps < 0 or a.batch < 1 or a.C < 1 or a.N < 1: raise SystemExit('--steps, --batch, --C, --N must be >= 1 and --warm-steps >= 0')
    h, w, cin = parse_image(a.image)
    dev = torch.device(a.device)
    if dev.type == 'cuda':
        if not torch.cuda.is_available(): raise SystemExit(f'--device {a.device}: torch {torch.__version__} sees no CUDA device')
        if a.no_tf32: torch.backends.cudnn.allow_tf32 = False
    torch.set_num_threads(a.threads); torch.manual_seed(0)
    rng = random.Random(0)
    Net = Nb201Supernet if a.space == 'nb201' else DartsSupernet
    net = Net(a.C, a.N, cin).to(dev)
    if a.space == 'darts' and (h % (1 << net.reductions) or w % (1 << net.reductions)):
        raise SystemExit(f'--image {a.image}: the DARTS supernet needs a size divisible by {1 << net.reductions}')
    if a.space == 'nb201' and (h % 4 or w % 4): raise SystemExit(f'--image {a.image}: the NB201 supernet needs a size divisible by 4')
    lr0 = a.lr if a.lr is not None else (0.1 if a.space == 'nb201' else 0.05)
    opt = torch.optim.SGD(net.parameters(), lr=lr0, momentum=0.9, weight_decay=3e-4)
    batches = 4  # distinct host batches, cycled
    host_x = torch.randn(batches, a.batch, cin, h, w)
    host_y = torch.randint(0, 10, (batches, a.batch))
    if dev.type == 'cuda': host_x, host_y = host_x.pin_memory(), host_y.pin_memory()
    sync = (lambda: torch.cuda.synchronize(dev)) if dev.type == 'cuda' else (lambda: None)
    def step(i, total, arch=None):
        for g in opt.param_groups: g['lr'] = 1e-3 + 0.5 * (lr0 - 1e-3) * (1 + math.cos(math.pi * i / total))
        if arch is None: arch = Net.sample(rng)
        x = host_x[i % batches].to(dev, non_blocking=True); y = host_y[i % batches].to(dev, non_blocking=True)
        loss = F.cross_entropy(net(x, arch), y)
        opt.zero_grad(set_to_none=True); loss.backward(); opt.step()
        if not a.no_read_loss:
            v = loss.item()
            if not math.isfinite(v): raise SystemExit(f'diverged: loss {v} at step {i + 1}')
    warm_archs = timed_archs = None
    if a.archs:
        with open(a.archs) as f: given = json.load(f)
        conv = (lambda g: list(g)) if a.space == 'nb201' else (lambda g: tuple([(DARTS_OPS.index(op), i) for op, i in g[cell]] for cell in ('normal', 'reduce')))
        try:
            warm_archs, timed_archs = [conv(g) for g in given['warm']], [conv(g) for g in given['timed']]
        except (KeyError, TypeError, ValueError) as e:
            raise SystemExit(f'--archs {a.archs}: expected {{"warm": [...], "timed": [...]}} of {a.space} paths ({e})')
        if not timed_archs: raise SystemExit(f'--archs {a.archs}: no timed paths')
        a.warm_steps, a.steps = len(warm_archs), len(timed_archs)
    for i in range(a.warm_steps): step(i, a.steps, warm_archs[i] if warm_archs else None)
    sync()
    t0 = time.perf_counter()
    for i in range(a.steps): step(i, a.steps, timed_archs[i] if timed_archs else None)
    sync()
    dt = time.perf_counter() - t0
    out = {'impl': 'pytorch', 'torch': torch.__version__, 'space': a.space, 'device': str(dev), 'threads': a.threads, 'C': a.C, 'N': a.N, 'batch': a.batch, 'image': f'{h}x{w}x{cin}', 'params': sum(p.numel() for p in net.parameters()),
           'steps': a.steps, 'warmSteps': a.warm_steps, 'seconds': dt, 'imagesPerSecond': a.steps * a.batch / dt, 'readLoss': not a.no_read_loss, 'samePaths': bool(a.archs)}
    if dev.type == 'cuda':
        out.update(gpu=torch.cuda.get_device_name(dev), cuda=torch.version.cuda, cudnn=torch.backends.cudnn.version(), tf32=torch.backends.cudnn.allow_tf32)
    print(json.dumps(out))

if __name__ == '__main__':
    main()
