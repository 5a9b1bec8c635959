"""
Logits of OFA's elastic MobileNetV3 in real PyTorch, for the parity check of our checkpoint
reader and TF.js supernet (bench/ofa-torch-parity.cjs compares; results in bench/results/ofa.md).

The `ofa` package is not on this machine's package mirror (and there is no internet), so this is
a minimal re-implementation of exactly the modules OFAMobileNetV3 is built from, transcribed from
mit-han-lab/once-for-all (commit f03b267): ofa/imagenet_classification/elastic_nn/networks/
ofa_mbv3.py (OFAMobileNetV3.__init__/forward/set_active_subnet), elastic_nn/modules/
dynamic_layers.py (DynamicMBConvLayer), elastic_nn/modules/dynamic_op.py
(DynamicSeparableConv2d with KERNEL_TRANSFORM_MODE 1, DynamicConv2d, DynamicBatchNorm2d,
DynamicSE), ofa/utils/layers.py (ConvLayer, LinearLayer, MBConvLayer, ResidualBlock,
IdentityLayer), ofa/utils/pytorch_modules.py (make_divisible, Hswish, Hsigmoid, SEModule) and
elastic_nn/utils.py (set_running_statistics). Module names are OFA's, so the state_dict keys are
those of a published checkpoint (ofa_mbv3_d234_e346_k357_w1.0 / w1.2).

Usage: python bench/ofa-torch-parity.py OUT_DIR [--width 1.0] [--size 32] [--classes 10]
Writes OUT_DIR/ckpt.pth (torch.save of the state_dict), OUT_DIR/ckpt-legacy.pth (the same in the legacy format), OUT_DIR/inputs.f32 and OUT_DIR/calib.f32
(float32, NCHW), OUT_DIR/expected.json (settings, subnets, logits).
"""
import argparse
import json
import os
import struct
from collections import OrderedDict

import torch
import torch.nn as nn
import torch.nn.functional as F

CHANNEL_DIVISIBLE = 8


def make_divisible(v, divisor, min_val=None):
    if min_val is None:
        min_val = divisor
    new_v = max(min_val, int(v + divisor / 2) // divisor * divisor)
    if new_v < 0.9 * v:
        new_v += divisor
    return new_v


def sub_filter_start_end(kernel_size, sub_kernel_size):
    center = kernel_size // 2
    dev = sub_kernel_size // 2
    start, end = center - dev, center + dev + 1
    return start, end


class Hswish(nn.Module):
    def forward(self, x):
        return x * F.relu6(x + 3.0) / 6.0


class Hsigmoid(nn.Module):
    def forward(self, x):
        return F.relu6(x + 3.0) / 6.0


def build_activation(act):
    return {"relu": nn.ReLU(), "h_swish": Hswish()}[act]


class SEModule(nn.Module):
    REDUCTION = 4

    def __init__(self, channel):
        super().__init__()
        self.channel = channel
        self.reduction = SEModule.REDUCTION
        num_mid = make_divisible(channel // self.reduction, divisor=CHANNEL_DIVISIBLE)
        self.fc = nn.Sequential(OrderedDict([
            ("reduce", nn.Conv2d(channel, num_mid, 1, 1, 0, bias=True)),
            ("relu", nn.ReLU()),
            ("expand", nn.Conv2d(num_mid, channel, 1, 1, 0, bias=True)),
            ("h_sigmoid", Hsigmoid()),
        ]))

    def forward(self, x):
        y = x.mean(3, keepdim=True).mean(2, keepdim=True)
        return x * self.fc(y)


class ConvLayer(nn.Module):
    """ofa.utils.layers.ConvLayer, ops_order weight_bn_act, no dropout."""

    def __init__(self, cin, cout, kernel_size=3, stride=1, bias=False, use_bn=True, act_func="relu"):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, kernel_size, stride, kernel_size // 2, bias=bias)
        if use_bn:
            self.bn = nn.BatchNorm2d(cout)
        else:
            self.bn = None
        self.act = build_activation(act_func)

    def forward(self, x):
        x = self.conv(x)
        if self.bn is not None:
            x = self.bn(x)
        return self.act(x)


class LinearLayer(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.linear = nn.Linear(cin, cout, True)

    def forward(self, x):
        return self.linear(x)


class MBConvLayer(nn.Module):
    """The fixed first block: expand ratio 1 (no inverted bottleneck), no SE."""

    def __init__(self, cin, cout, kernel_size, stride, act_func):
        super().__init__()
        self.inverted_bottleneck = None
        self.depth_conv = nn.Sequential(OrderedDict([
            ("conv", nn.Conv2d(cin, cin, kernel_size, stride, kernel_size // 2, groups=cin, bias=False)),
            ("bn", nn.BatchNorm2d(cin)),
            ("act", build_activation(act_func)),
        ]))
        self.point_linear = nn.Sequential(OrderedDict([
            ("conv", nn.Conv2d(cin, cout, 1, 1, 0, bias=False)),
            ("bn", nn.BatchNorm2d(cout)),
        ]))

    def forward(self, x):
        return self.point_linear(self.depth_conv(x))


class DynamicSeparableConv2d(nn.Module):
    def __init__(self, max_in_channels, kernel_size_list, stride=1):
        super().__init__()
        self.max_in_channels = max_in_channels
        self.kernel_size_list = kernel_size_list
        self.stride = stride
        self.conv = nn.Conv2d(max_in_channels, max_in_channels, max(kernel_size_list), stride, groups=max_in_channels, bias=False)
        self._ks_set = sorted(set(kernel_size_list))
        for i in range(len(self._ks_set) - 1):
            ks_small, ks_larger = self._ks_set[i], self._ks_set[i + 1]
            self.register_parameter("%dto%d_matrix" % (ks_larger, ks_small), nn.Parameter(torch.eye(ks_small ** 2)))
        self.active_kernel_size = max(kernel_size_list)

    def get_active_filter(self, in_channel, kernel_size):
        out_channel = in_channel
        max_kernel_size = max(self.kernel_size_list)
        start, end = sub_filter_start_end(max_kernel_size, kernel_size)
        filters = self.conv.weight[:out_channel, :in_channel, start:end, start:end]
        if kernel_size < max_kernel_size:
            start_filter = self.conv.weight[:out_channel, :in_channel, :, :]
            for i in range(len(self._ks_set) - 1, 0, -1):
                src_ks = self._ks_set[i]
                if src_ks <= kernel_size:
                    break
                target_ks = self._ks_set[i - 1]
                start, end = sub_filter_start_end(src_ks, target_ks)
                _input_filter = start_filter[:, :, start:end, start:end].contiguous()
                _input_filter = _input_filter.view(_input_filter.size(0), _input_filter.size(1), -1)
                _input_filter = _input_filter.view(-1, _input_filter.size(2))
                _input_filter = F.linear(_input_filter, self.__getattr__("%dto%d_matrix" % (src_ks, target_ks)))
                _input_filter = _input_filter.view(filters.size(0), filters.size(1), target_ks ** 2)
                _input_filter = _input_filter.view(filters.size(0), filters.size(1), target_ks, target_ks)
                start_filter = _input_filter
            filters = start_filter
        return filters

    def forward(self, x):
        kernel_size = self.active_kernel_size
        in_channel = x.size(1)
        filters = self.get_active_filter(in_channel, kernel_size).contiguous()
        return F.conv2d(x, filters, None, self.stride, kernel_size // 2, 1, in_channel)


class DynamicConv2d(nn.Module):
    def __init__(self, max_in_channels, max_out_channels, kernel_size=1, stride=1):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride
        self.conv = nn.Conv2d(max_in_channels, max_out_channels, kernel_size, stride=stride, bias=False)
        self.active_out_channel = max_out_channels

    def forward(self, x):
        filters = self.conv.weight[: self.active_out_channel, : x.size(1), :, :].contiguous()
        return F.conv2d(x, filters, None, self.stride, self.kernel_size // 2, 1, 1)


class DynamicBatchNorm2d(nn.Module):
    SET_RUNNING_STATISTICS = False

    def __init__(self, max_feature_dim):
        super().__init__()
        self.bn = nn.BatchNorm2d(max_feature_dim)

    def forward(self, x):
        bn = self.bn
        feature_dim = x.size(1)
        if bn.num_features == feature_dim or DynamicBatchNorm2d.SET_RUNNING_STATISTICS:
            return bn(x)
        factor = 0.0
        if bn.training and bn.track_running_stats:
            bn.num_batches_tracked += 1
            factor = bn.momentum
        return F.batch_norm(x, bn.running_mean[:feature_dim], bn.running_var[:feature_dim], bn.weight[:feature_dim], bn.bias[:feature_dim],
                            bn.training or not bn.track_running_stats, factor, bn.eps)


class DynamicSE(SEModule):
    def forward(self, x):
        in_channel = x.size(1)
        num_mid = make_divisible(in_channel // self.reduction, divisor=CHANNEL_DIVISIBLE)
        y = x.mean(3, keepdim=True).mean(2, keepdim=True)
        y = F.conv2d(y, self.fc.reduce.weight[:num_mid, :in_channel, :, :].contiguous(), self.fc.reduce.bias[:num_mid], 1, 0, 1, 1)
        y = self.fc.relu(y)
        y = F.conv2d(y, self.fc.expand.weight[:in_channel, :num_mid, :, :].contiguous(), self.fc.expand.bias[:in_channel], 1, 0, 1, 1)
        return x * self.fc.h_sigmoid(y)


class DynamicMBConvLayer(nn.Module):
    def __init__(self, cin, cout, kernel_size_list, expand_ratio_list, stride, act_func, use_se):
        super().__init__()
        self.kernel_size_list = kernel_size_list
        self.expand_ratio_list = expand_ratio_list
        self.use_se = use_se
        max_middle_channel = make_divisible(round(cin * max(expand_ratio_list)), CHANNEL_DIVISIBLE)
        self.inverted_bottleneck = nn.Sequential(OrderedDict([
            ("conv", DynamicConv2d(cin, max_middle_channel)),
            ("bn", DynamicBatchNorm2d(max_middle_channel)),
            ("act", build_activation(act_func)),
        ]))
        self.depth_conv = nn.Sequential(OrderedDict([
            ("conv", DynamicSeparableConv2d(max_middle_channel, kernel_size_list, stride)),
            ("bn", DynamicBatchNorm2d(max_middle_channel)),
            ("act", build_activation(act_func)),
        ]))
        if use_se:
            self.depth_conv.add_module("se", DynamicSE(max_middle_channel))
        self.point_linear = nn.Sequential(OrderedDict([
            ("conv", DynamicConv2d(max_middle_channel, cout)),
            ("bn", DynamicBatchNorm2d(cout)),
        ]))
        self.active_kernel_size = max(kernel_size_list)
        self.active_expand_ratio = max(expand_ratio_list)
        self.active_out_channel = cout

    def forward(self, x):
        in_channel = x.size(1)
        self.inverted_bottleneck.conv.active_out_channel = make_divisible(round(in_channel * self.active_expand_ratio), CHANNEL_DIVISIBLE)
        self.depth_conv.conv.active_kernel_size = self.active_kernel_size
        self.point_linear.conv.active_out_channel = self.active_out_channel
        return self.point_linear(self.depth_conv(self.inverted_bottleneck(x)))


class IdentityLayer(nn.Module):
    def forward(self, x):
        return x


class ResidualBlock(nn.Module):
    def __init__(self, conv, shortcut):
        super().__init__()
        self.conv = conv
        self.shortcut = shortcut

    def forward(self, x):
        if self.shortcut is None:
            return self.conv(x)
        return self.conv(x) + self.shortcut(x)


class OFAMobileNetV3(nn.Module):
    def __init__(self, n_classes=1000, width_mult=1.0, ks_list=(3, 5, 7), expand_ratio_list=(3, 4, 6), depth_list=(2, 3, 4)):
        super().__init__()
        ks_list, expand_ratio_list, depth_list = sorted(ks_list), sorted(expand_ratio_list), sorted(depth_list)
        base_stage_width = [16, 16, 24, 40, 80, 112, 160, 960, 1280]
        final_expand_width = make_divisible(base_stage_width[-2] * width_mult, CHANNEL_DIVISIBLE)
        last_channel = make_divisible(base_stage_width[-1] * width_mult, CHANNEL_DIVISIBLE)
        stride_stages = [1, 2, 2, 2, 1, 2]
        act_stages = ["relu", "relu", "relu", "h_swish", "h_swish", "h_swish"]
        se_stages = [False, False, True, False, True, True]
        n_block_list = [1] + [max(depth_list)] * 5
        width_list = [make_divisible(w * width_mult, CHANNEL_DIVISIBLE) for w in base_stage_width[:-2]]
        input_channel, first_block_dim = width_list[0], width_list[1]
        self.first_conv = ConvLayer(3, input_channel, kernel_size=3, stride=2, act_func="h_swish")
        first_block = ResidualBlock(MBConvLayer(input_channel, first_block_dim, 3, stride_stages[0], act_stages[0]),
                                    IdentityLayer() if input_channel == first_block_dim else None)
        self.block_group_info = []
        blocks = [first_block]
        _block_index = 1
        feature_dim = first_block_dim
        for width, n_block, s, act_func, use_se in zip(width_list[2:], n_block_list[1:], stride_stages[1:], act_stages[1:], se_stages[1:]):
            self.block_group_info.append([_block_index + i for i in range(n_block)])
            _block_index += n_block
            for i in range(n_block):
                stride = s if i == 0 else 1
                conv = DynamicMBConvLayer(feature_dim, width, ks_list, expand_ratio_list, stride, act_func, use_se)
                shortcut = IdentityLayer() if stride == 1 and feature_dim == width else None
                blocks.append(ResidualBlock(conv, shortcut))
                feature_dim = width
        self.blocks = nn.ModuleList(blocks)
        self.final_expand_layer = ConvLayer(feature_dim, final_expand_width, kernel_size=1, act_func="h_swish")
        self.feature_mix_layer = ConvLayer(final_expand_width, last_channel, kernel_size=1, bias=False, use_bn=False, act_func="h_swish")
        self.classifier = LinearLayer(last_channel, n_classes)
        for m in self.modules():  # set_bn_param(momentum=0.1, eps=1e-5)
            if isinstance(m, nn.BatchNorm2d):
                m.momentum, m.eps = 0.1, 1e-5
        self.runtime_depth = [len(b) for b in self.block_group_info]

    def forward(self, x):
        x = self.first_conv(x)
        x = self.blocks[0](x)
        for stage_id, block_idx in enumerate(self.block_group_info):
            for idx in block_idx[: self.runtime_depth[stage_id]]:
                x = self.blocks[idx](x)
        x = self.final_expand_layer(x)
        x = x.mean(3, keepdim=True).mean(2, keepdim=True)
        x = self.feature_mix_layer(x)
        x = x.view(x.size(0), -1)
        return self.classifier(x)

    def set_active_subnet(self, ks, e, d):
        for block, k, ee in zip(self.blocks[1:], ks, e):
            block.conv.active_kernel_size = k
            block.conv.active_expand_ratio = ee
        for i, dd in enumerate(d):
            self.runtime_depth[i] = min(len(self.block_group_info[i]), dd)


class AverageMeter:
    def __init__(self):
        self.sum, self.count = 0, 0

    def update(self, val, n=1):
        self.sum += val * n
        self.count += n

    @property
    def avg(self):
        return self.sum / self.count


def set_running_statistics(model, batches):
    """elastic_nn/utils.py set_running_statistics, on a list of image batches (no deepcopy needed: forward is patched per BN and restored)."""
    bn_mean, bn_var, saved = {}, {}, {}
    for name, m in model.named_modules():
        if isinstance(m, nn.BatchNorm2d):
            bn_mean[name], bn_var[name] = AverageMeter(), AverageMeter()

            def new_forward(bn, mean_est, var_est):
                def lambda_forward(x):
                    batch_mean = x.mean(0, keepdim=True).mean(2, keepdim=True).mean(3, keepdim=True)
                    batch_var = (x - batch_mean) * (x - batch_mean)
                    batch_var = batch_var.mean(0, keepdim=True).mean(2, keepdim=True).mean(3, keepdim=True)
                    batch_mean, batch_var = torch.squeeze(batch_mean), torch.squeeze(batch_var)
                    mean_est.update(batch_mean.data, x.size(0))
                    var_est.update(batch_var.data, x.size(0))
                    _feature_dim = batch_mean.size(0)
                    return F.batch_norm(x, batch_mean, batch_var, bn.weight[:_feature_dim], bn.bias[:_feature_dim], False, 0.0, bn.eps)
                return lambda_forward

            saved[name] = m.forward
            m.forward = new_forward(m, bn_mean[name], bn_var[name])
    with torch.no_grad():
        DynamicBatchNorm2d.SET_RUNNING_STATISTICS = True
        for images in batches:
            model(images)
        DynamicBatchNorm2d.SET_RUNNING_STATISTICS = False
    for name, m in model.named_modules():
        if name in saved:
            del m.forward  # back to the class's forward
        if name in bn_mean and bn_mean[name].count > 0:
            feature_dim = bn_mean[name].avg.size(0)
            m.running_mean.data[:feature_dim].copy_(bn_mean[name].avg)
            m.running_var.data[:feature_dim].copy_(bn_var[name].avg)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("out")
    p.add_argument("--width", type=float, default=1.0)
    p.add_argument("--size", type=int, default=32)
    p.add_argument("--classes", type=int, default=10)
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args()
    os.makedirs(a.out, exist_ok=True)
    torch.manual_seed(a.seed)
    net = OFAMobileNetV3(n_classes=a.classes, width_mult=a.width)
    # Random weights everywhere a published checkpoint has learned values: PyTorch's default init,
    # plus BN affine parameters and kernel-transform matrices away from their initial 1/0/identity.
    with torch.no_grad():
        for name, prm in net.named_parameters():
            if name.endswith("_matrix"):
                prm.add_(0.1 * torch.randn_like(prm))
            elif ".bn." in name or name.endswith("bn.weight") or name.endswith("bn.bias"):
                prm.copy_((1.0 if name.endswith("weight") else 0.0) + 0.2 * torch.randn_like(prm))
    net.eval()
    # Running statistics as a trained network has them: OFA's recalibration of the largest subnet on random images.
    net.set_active_subnet([7] * 20, [6] * 20, [4] * 5)
    set_running_statistics(net, [torch.randn(16, 3, a.size, a.size) for _ in range(4)])
    torch.save(net.state_dict(), os.path.join(a.out, "ckpt.pth"))
    # The same weights as torch < 1.6 wrote them (OFA's published files predate the zip format), wrapped as OFA's files are.
    torch.save({"state_dict": net.state_dict()}, os.path.join(a.out, "ckpt-legacy.pth"), _use_new_zipfile_serialization=False)

    inputs = torch.randn(4, 3, a.size, a.size)
    calib = torch.randn(3, 16, 3, a.size, a.size)
    for t, f in ((inputs, "inputs.f32"), (calib, "calib.f32")):  # raw little-endian float32 (no numpy here)
        with open(os.path.join(a.out, f), "wb") as fh:
            fh.write(struct.pack("<%df" % t.numel(), *t.flatten().tolist()))
    g = torch.Generator().manual_seed(a.seed + 1)
    pick = lambda options, n: [options[int(i)] for i in torch.randint(len(options), (n,), generator=g)]
    subnets = [
        {"ks": [7] * 20, "e": [6] * 20, "d": [4] * 5},
        {"ks": [3] * 20, "e": [3] * 20, "d": [2] * 5},
        {"ks": pick([3, 5, 7], 20), "e": pick([3, 4, 6], 20), "d": pick([2, 3, 4], 5)},
        {"ks": pick([3, 5, 7], 20), "e": pick([3, 4, 6], 20), "d": pick([2, 3, 4], 5)},
    ]
    out = {"width": a.width, "size": a.size, "classes": a.classes, "torch": torch.__version__, "subnets": []}
    with torch.no_grad():
        for s in subnets:
            net.set_active_subnet(s["ks"], s["e"], s["d"])
            logits = net(inputs)
            out["subnets"].append({**s, "logits": logits.tolist()})
        # OFA's query: recalibrate BN on the calibration batches for one subnet, then evaluate (the
        # stored checkpoint keeps the statistics above: this changes only the in-memory network).
        s = subnets[2]
        net.set_active_subnet(s["ks"], s["e"], s["d"])
        set_running_statistics(net, list(calib))
        out["recalibrated"] = {**s, "logits": net(inputs).tolist()}
    with open(os.path.join(a.out, "expected.json"), "w") as f:
        json.dump(out, f)
    print("wrote", a.out, "keys", len(net.state_dict()))


if __name__ == "__main__":
    main()
