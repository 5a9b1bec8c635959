import json, torch
from ofa.imagenet_classification.elastic_nn.networks import OFAMobileNetV3
from ofa.utils.pytorch_utils import count_net_flops, count_parameters
out = {}
for w in (1.0, 1.2):
    net = OFAMobileNetV3(n_classes=1000, dropout_rate=0, width_mult=w, ks_list=[3,5,7], expand_ratio_list=[3,4,6], depth_list=[2,3,4])
    for name, (k, e, d) in {'largest': (7, 6, 4), 'smallest': (3, 3, 2)}.items():
        net.set_active_subnet(ks=k, e=e, d=d)
        sub = net.get_active_subnet(preserve_weight=True)
        out[f'w{w}-{name}'] = {'macs': count_net_flops(sub, (1, 3, 224, 224)), 'params': count_parameters(sub)}
    # a mixed subnet, fixed
    ks = [3,5,7,3, 5,7,3,5, 7,3,5,7, 3,5,7,3, 5,7,3,5]; e = [3,4,6,4, 6,3,4,6, 3,4,6,3, 4,6,3,4, 6,3,4,6]; d = [2,3,4,3,2]
    net.set_active_subnet(ks=ks, e=e, d=d)
    sub = net.get_active_subnet(preserve_weight=True)
    for r in (224, 160):
        out[f'w{w}-mixed-{r}'] = {'macs': count_net_flops(sub, (1, 3, r, r)), 'params': count_parameters(sub)}
    if w == 1.0:
        json.dump(sub.config, open('mixed-net-config.json', 'w'), indent=1)
print(json.dumps(out, indent=1))
