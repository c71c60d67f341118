"""PyTorch modules with the architecture and state_dict names of the runner's registry models.

    from pytorch_models import build
    model = build(config["model"], in_channels=1, classes=10)   # the `model:` mapping of a config.yaml

Each module mirrors `Sources/Spec/Models/<Name>.swift` layer for layer, so a runner checkpoint
(`model.safetensors`) loads with `load_state_dict` (strict) and a PyTorch one loads into the runner
with `model.init_from`. PyTorch's default initialization is the runner's `init: pytorch`.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid, "gelu": nn.GELU, "silu": nn.SiLU,
               "elu": nn.ELU, "leaky_relu": nn.LeakyReLU}


class LeNet5(nn.Module):
    """lenet5: conv 5×5 (6, 16, 120) with [batch norm] → activation, 2×2 pool after the first two,
    [dropout], fc1 84, activation, fc2 <classes>. Input 32×32 (Fashion-MNIST resized)."""

    def __init__(self, batchnorm=False, dropout=0.0, activation="relu", pooling="avg", in_channels=1, classes=10):
        super().__init__()
        self.pool = F.avg_pool2d if pooling == "avg" else F.max_pool2d
        self.conv1, self.conv2, self.conv3 = nn.Conv2d(in_channels, 6, 5), nn.Conv2d(6, 16, 5), nn.Conv2d(16, 120, 5)
        if batchnorm:
            self.batch_norm1, self.batch_norm2, self.batch_norm3 = (nn.BatchNorm2d(c) for c in (6, 16, 120))
        self.act = ACTIVATIONS[activation]()
        self.dropout = nn.Dropout(dropout) if dropout > 0 else nn.Identity()
        self.fc1, self.fc2 = nn.Linear(120, 84), nn.Linear(84, classes)

    def block(self, x, k):  # conv → [batch norm] → activation
        x = getattr(self, f"conv{k}")(x)
        return self.act(getattr(self, f"batch_norm{k}", nn.Identity())(x))

    def forward(self, x):  # [N, C, 32, 32] → [N, classes] logits
        x = self.pool(self.block(x, 1), 2)
        x = self.pool(self.block(x, 2), 2)
        return self.fc2(self.act(self.fc1(self.dropout(torch.flatten(self.block(x, 3), 1)))))


class MLP(nn.Module):
    """mlp: flatten, then per hidden width fc<i>, [bn<i>], activation, [dropout]; the last fc<n+1>."""

    def __init__(self, hidden=(256,), activation="relu", batchnorm=False, dropout=0.0, in_features=784, classes=10):
        super().__init__()
        layers, width = [], in_features
        for i, h in enumerate(hidden, 1):
            setattr(self, f"fc{i}", nn.Linear(width, h))
            if batchnorm:
                setattr(self, f"bn{i}", nn.BatchNorm1d(h))
            layers.append(i)
            width = h
        setattr(self, f"fc{len(hidden) + 1}", nn.Linear(width, classes))
        self.hidden, self.batchnorm = layers, batchnorm
        self.act, self.drop = ACTIVATIONS[activation](), nn.Dropout(dropout) if dropout > 0 else nn.Identity()

    def forward(self, x):
        x = torch.flatten(x, 1)
        for i in self.hidden:
            x = getattr(self, f"fc{i}")(x)
            if self.batchnorm:
                x = getattr(self, f"bn{i}")(x)
            x = self.drop(self.act(x))
        return getattr(self, f"fc{len(self.hidden) + 1}")(x)


class VGG(nn.Module):
    """vgg: stages × (convs × (conv 3×3 pad 1, [BatchNorm2d], activation), max pool 2), global
    average pool, [dropout], fc <classes>; stage s has width·2^(s−1) channels."""

    def __init__(self, width=32, stages=3, convs=2, activation="relu", batchnorm=True, dropout=0.0,
                 in_channels=1, classes=10):
        super().__init__()
        self.layout, channels = [], in_channels
        for s in range(1, stages + 1):
            stage, out = nn.Module(), width * 2 ** (s - 1)
            for k in range(1, convs + 1):
                setattr(stage, f"conv{k}", nn.Conv2d(channels, out, 3, padding=1, bias=not batchnorm))
                if batchnorm:
                    setattr(stage, f"bn{k}", nn.BatchNorm2d(out))
                channels = out
            setattr(self, f"stage{s}", stage)
            self.layout.append((stage, convs))
        self.batchnorm, self.act = batchnorm, ACTIVATIONS[activation]()
        self.dropout = nn.Dropout(dropout) if dropout > 0 else nn.Identity()
        self.fc = nn.Linear(channels, classes)

    def forward(self, x):
        for stage, convs in self.layout:
            for k in range(1, convs + 1):
                x = getattr(stage, f"conv{k}")(x)
                if self.batchnorm:
                    x = getattr(stage, f"bn{k}")(x)
                x = self.act(x)
            x = F.max_pool2d(x, 2)
        return self.fc(self.dropout(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1)))


class PadShortcut(nn.Module):
    """Option A: the input subsampled with `stride` (x[:, :, ::s, ::s]) and zero-padded to `out` channels."""

    def __init__(self, channels, out, stride):
        super().__init__()
        self.extra, self.stride = out - channels, stride

    def forward(self, x):
        return F.pad(x[:, :, ::self.stride, ::self.stride], (0, 0, 0, 0, 0, self.extra))


class BasicBlock(nn.Module):
    def __init__(self, channels, out, stride, activation, shortcut="projection"):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, out, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(out)
        self.conv2 = nn.Conv2d(out, out, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(out)
        self.act = ACTIVATIONS[activation]()
        self.downsample = None
        if (stride != 1 or out != channels) and shortcut == "pooling":
            self.downsample = PadShortcut(channels, out, stride)
        elif stride != 1 or out != channels:  # 1×1 projection shortcut (torchvision's names)
            self.downsample = nn.Sequential(nn.Conv2d(channels, out, 1, stride=stride, bias=False), nn.BatchNorm2d(out))

    def forward(self, x):
        y = self.bn2(self.conv2(self.act(self.bn1(self.conv1(x)))))
        return self.act(y + (x if self.downsample is None else self.downsample(x)))


class ResNet(nn.Module):
    """resnet: conv1 3×3 + bn1 + activation, stages × blocks basic blocks (stride 2 at the first
    block of every stage after the first; projection or option-A shortcuts), global average pool,
    fc <classes>."""

    def __init__(self, width=16, stages=3, blocks=3, activation="relu", shortcut="projection", in_channels=1, classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, width, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.act = ACTIVATIONS[activation]()
        channels = width
        for s in range(1, stages + 1):
            out = width * 2 ** (s - 1)
            layer = []
            for b in range(blocks):
                layer.append(BasicBlock(channels, out, 2 if s > 1 and b == 0 else 1, activation, shortcut))
                channels = out
            setattr(self, f"layer{s}", nn.Sequential(*layer))
        self.stages = stages
        self.fc = nn.Linear(channels, classes)

    def forward(self, x):
        x = self.act(self.bn1(self.conv1(x)))
        for s in range(1, self.stages + 1):
            x = getattr(self, f"layer{s}")(x)
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


def build(model, in_channels=1, classes=10, in_features=None):
    """The module a resolved config's `model:` mapping names ({lenet5: {...}} | {mlp: ...} | ...)."""
    kinds = [k for k in ("lenet5", "mlp", "vgg", "resnet") if k in model]
    if len(kinds) != 1:
        raise SystemExit(f"expected one registry model (lenet5, mlp, vgg, resnet), found {sorted(model)}")
    o = dict(model[kinds[0]])
    o.pop("l2", None)
    if kinds[0] == "lenet5":
        return LeNet5(o.get("batchnorm", False), o.get("dropout", 0.0), o.get("activation", "relu"), o.get("pooling", "avg"),
                      in_channels, classes)
    if kinds[0] == "mlp":
        return MLP(o.get("hidden", [256]), o.get("activation", "relu"), o.get("batchnorm", False), o.get("dropout", 0.0),
                   in_features, classes)
    if kinds[0] == "vgg":
        return VGG(in_channels=in_channels, classes=classes, **o)
    return ResNet(in_channels=in_channels, classes=classes, **o)
