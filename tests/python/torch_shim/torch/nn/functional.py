"""torch.nn.functional, the part Hearth's exports use, in NumPy."""

import math

import numpy as np

from .. import Tensor, _array, relu  # noqa: F401  (F.relu)

_erf = np.vectorize(math.erf, otypes=[np.float64])


def leaky_relu(x, negative_slope=0.01):
    array = _array(x)
    return Tensor(np.where(array > 0, array, array * negative_slope))


def elu(x, alpha=1.0):
    array = _array(x)
    return Tensor(np.where(array > 0, array, alpha * (np.exp(array) - 1)))


def gelu(x):
    array = _array(x).astype(np.float64)
    return Tensor(array * 0.5 * (1 + _erf(array / math.sqrt(2))))


def pad(x, widths):
    """`widths` as PyTorch orders them: (left, right, top, bottom) for the last two axes."""
    array = _array(x)
    left, right, top, bottom = widths
    return Tensor(np.pad(array, ((0, 0), (0, 0), (top, bottom), (left, right))))
