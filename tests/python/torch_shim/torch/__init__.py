"""A NumPy stand-in for the part of PyTorch that Hearth's exports use (see README.md)."""

import contextlib

import numpy as np

IS_STAND_IN = True


class Tensor:
    def __init__(self, array):
        self.array = np.asarray(array, dtype=np.float32)

    @property
    def shape(self):
        return self.array.shape

    def reshape(self, *shape):
        return Tensor(self.array.reshape(*shape))

    def permute(self, *order):
        return Tensor(self.array.transpose(*order))

    def numpy(self):
        return self.array

    def detach(self):
        return self

    def __add__(self, other):
        return Tensor(self.array + _array(other))

    __radd__ = __add__

    def __sub__(self, other):
        return Tensor(self.array - _array(other))

    def __rsub__(self, other):
        return Tensor(_array(other) - self.array)

    def __mul__(self, other):
        return Tensor(self.array * _array(other))

    __rmul__ = __mul__

    def __neg__(self):
        return Tensor(-self.array)


def _array(value):
    return value.array if isinstance(value, Tensor) else np.asarray(value, dtype=np.float32)


def from_numpy(array):
    return Tensor(array)


def as_tensor(value, dtype=None):
    return Tensor(_array(value))


tensor = as_tensor


def cat(tensors, dim=0):
    return Tensor(np.concatenate([_array(t) for t in tensors], axis=dim))


def flatten(x, start_dim=0):
    array = _array(x)
    return Tensor(array.reshape(array.shape[:start_dim] + (-1,)))


def relu(x):
    return Tensor(np.maximum(_array(x), 0))


def sigmoid(x):
    return Tensor(1 / (1 + np.exp(-_array(x))))


def tanh(x):
    return Tensor(np.tanh(_array(x)))


def softmax(x, dim):
    array = _array(x)
    shifted = np.exp(array - array.max(axis=dim, keepdims=True))
    return Tensor(shifted / shifted.sum(axis=dim, keepdims=True))


@contextlib.contextmanager
def no_grad():
    yield


from . import nn  # noqa: E402  (nn uses Tensor)
