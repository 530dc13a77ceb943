"""nn.Module and the layers Hearth exports use, in NumPy (inference only)."""

from collections import namedtuple

import numpy as np

from .. import Tensor, _array
from . import functional

LoadResult = namedtuple("LoadResult", ["missing_keys", "unexpected_keys"])


class Module:
    def __init__(self):
        object.__setattr__(self, "_modules", {})
        object.__setattr__(self, "_parameters", {})

    def __setattr__(self, name, value):
        if isinstance(value, Module):
            self._modules[name] = value
        object.__setattr__(self, name, value)

    def __call__(self, *args):
        return self.forward(*args)

    def eval(self):
        return self

    def state_names(self, prefix=""):
        names = [prefix + name for name in self._parameters]
        for name, module in self._modules.items():
            names += module.state_names(f"{prefix}{name}.")
        return names

    def load_state_dict(self, state, strict=True):
        expected = set(self.state_names())
        for key, value in state.items():
            if key not in expected:
                continue
            *path, leaf = key.split(".")
            module = self
            for part in path:
                module = module._modules[part]
            current = module._parameters[leaf]
            value = _array(value)
            if current.shape != value.shape:
                raise RuntimeError(f"size mismatch for {key}: {value.shape} vs {current.shape}")
            module._parameters[leaf] = value
        missing = sorted(expected - set(state))
        unexpected = sorted(set(state) - expected)
        if strict and (missing or unexpected):
            raise RuntimeError(f"missing {missing}, unexpected {unexpected}")
        return LoadResult(missing, unexpected)


class Linear(Module):
    def __init__(self, inputs, outputs):
        super().__init__()
        self._parameters["weight"] = np.zeros((outputs, inputs), np.float32)
        self._parameters["bias"] = np.zeros(outputs, np.float32)

    def forward(self, x):
        return Tensor(_array(x) @ self._parameters["weight"].T + self._parameters["bias"])


class Conv2d(Module):
    def __init__(self, inputs, outputs, kernel_size, stride=1, padding=0):
        super().__init__()
        self.kernel, self.stride, self.padding = kernel_size, stride, padding
        self._parameters["weight"] = np.zeros((outputs, inputs, kernel_size, kernel_size), np.float32)
        self._parameters["bias"] = np.zeros(outputs, np.float32)

    def forward(self, x):
        array = _array(x)
        if self.padding:
            p = self.padding
            array = np.pad(array, ((0, 0), (0, 0), (p, p), (p, p)))
        k, s = self.kernel, self.stride
        n, c, h, w = array.shape
        out_h, out_w = (h - k) // s + 1, (w - k) // s + 1
        windows = np.lib.stride_tricks.sliding_window_view(array, (k, k), axis=(2, 3))
        windows = windows[:, :, ::s, ::s][:, :, :out_h, :out_w]  # n, c, oh, ow, k, k
        weight = self._parameters["weight"]  # o, c, k, k
        out = np.einsum("ncijkl,ockl->noij", windows, weight, optimize=True)
        return Tensor(out + self._parameters["bias"][None, :, None, None])


class _Pool(Module):
    def __init__(self, kernel_size, stride=None):
        super().__init__()
        self.kernel, self.stride = kernel_size, stride or kernel_size

    def windows(self, x):
        array = _array(x)
        k, s = self.kernel, self.stride
        n, c, h, w = array.shape
        out_h, out_w = (h - k) // s + 1, (w - k) // s + 1
        windows = np.lib.stride_tricks.sliding_window_view(array, (k, k), axis=(2, 3))
        return windows[:, :, ::s, ::s][:, :, :out_h, :out_w]


class MaxPool2d(_Pool):
    def forward(self, x):
        return Tensor(self.windows(x).max(axis=(4, 5)))


class AvgPool2d(_Pool):
    def forward(self, x):
        return Tensor(self.windows(x).mean(axis=(4, 5)))


class Dropout(Module):
    def __init__(self, p=0.5):
        super().__init__()

    def forward(self, x):
        return x


class _BatchNorm(Module):
    def __init__(self, features, eps=1e-5):
        super().__init__()
        self.eps = eps
        for name, value in (("weight", 1), ("bias", 0), ("running_mean", 0), ("running_var", 1)):
            self._parameters[name] = np.full(features, value, np.float32)

    def forward(self, x):
        array = _array(x)
        shape = (1, -1) + (1,) * (array.ndim - 2)
        p = {name: value.reshape(shape) for name, value in self._parameters.items()}
        normal = (array - p["running_mean"]) / np.sqrt(p["running_var"] + self.eps)
        return Tensor(normal * p["weight"] + p["bias"])


class BatchNorm1d(_BatchNorm):
    pass


class BatchNorm2d(_BatchNorm):
    pass
