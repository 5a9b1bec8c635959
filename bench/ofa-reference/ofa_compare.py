import json, sys, torch
from ofa.imagenet_classification.networks import MobileNetV3
d = json.load(open(sys.argv[1]))
W = d['weights']
net = MobileNetV3.build_from_config(json.load(open(sys.argv[2])))
net.eval()
def t(name):
    w = W[name]; return torch.tensor(w['values'], dtype=torch.float32).reshape(w['shape'])
def conv(name):  # HWIO -> OIHW; depthwise [k,k,C,1] -> [C,1,k,k]
    w = t(name)
    if w.shape[3] == 1 and w.shape[2] > 1 and 'dw' in name: return w.permute(2, 3, 0, 1).contiguous()
    return w.permute(3, 2, 0, 1).contiguous()
sd = {}
def bn(dst, src):
    for a, b in (('weight', 'gamma'), ('bias', 'beta'), ('running_mean', 'mean'), ('running_var', 'var')): sd[f'{dst}.{a}'] = t(f'{src}.{b}')
sd['first_conv.conv.weight'] = conv('first_conv.w'); bn('first_conv.bn', 'first_conv.bn')
sd['blocks.0.conv.depth_conv.conv.weight'] = conv('blocks.0.dw.w'); bn('blocks.0.conv.depth_conv.bn', 'blocks.0.dw.bn')
sd['blocks.0.conv.point_linear.conv.weight'] = conv('blocks.0.project.w'); bn('blocks.0.conv.point_linear.bn', 'blocks.0.project.bn')
active = [u * 4 + j + 1 for u in range(5) for j in range(d['arch']['d'][u])]
for pos, idx in enumerate(active, start=1):
    p, q = f'blocks.{pos}.conv', f'blocks.{idx}'
    sd[f'{p}.inverted_bottleneck.conv.weight'] = conv(f'{q}.expand.w'); bn(f'{p}.inverted_bottleneck.bn', f'{q}.expand.bn')
    sd[f'{p}.depth_conv.conv.weight'] = conv(f'{q}.dw.w'); bn(f'{p}.depth_conv.bn', f'{q}.dw.bn')
    if f'{q}.se.reduce.w' in W:
        for s in ('reduce', 'expand'):
            sd[f'{p}.depth_conv.se.fc.{s}.weight'] = conv(f'{q}.se.{s}.w'); sd[f'{p}.depth_conv.se.fc.{s}.bias'] = t(f'{q}.se.{s}.b')
    sd[f'{p}.point_linear.conv.weight'] = conv(f'{q}.project.w'); bn(f'{p}.point_linear.bn', f'{q}.project.bn')
sd['final_expand_layer.conv.weight'] = conv('final_expand.w'); bn('final_expand_layer.bn', 'final_expand.bn')
sd['feature_mix_layer.conv.weight'] = t('feature_mix.w').t().contiguous()[:, :, None, None]
sd['classifier.linear.weight'] = t('classifier.w').t().contiguous(); sd['classifier.linear.bias'] = t('classifier.b')
keys = set(net.state_dict().keys())
missing = [k for k in keys - set(sd) if not k.endswith('num_batches_tracked')]
unexpected = list(set(sd) - keys)
for k in sd: assert net.state_dict()[k].shape == sd[k].shape, k
torch.nn.Module.load_state_dict(net, sd, strict=False)
print('missing', missing, 'unexpected', unexpected)
x = torch.tensor(d['x']).reshape(3, 1, 28, 28)
with torch.no_grad(): y = net(x).reshape(-1)
ref = torch.tensor(d['logits'])
print('max |torch - onnxruntime|', (y - ref).abs().max().item(), 'logit range', ref.min().item(), ref.max().item())
