"""Running a torch module the way inference should run, on numpy or torch batches.

Under ``no_grad``, in eval mode (each submodule's own mode restored afterwards), on the
module's own device and dtype (read at every call, so a module moved after adapting still
works), ``batch_size`` rows at a time. What an encoder returns (a tensor, ``(mu, logvar)``,
a dict, a distribution) is reduced to its mean. A :class:`Decoder` also finds whether
latents go in as ``(n, d)`` or DCGAN-style ``(n, d, 1, 1)``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from itertools import chain
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import torch

_PROBE_VALUES = 1 << 24  # at most this many output values per probe (large GAN images)
_MEAN_KEYS = ("mu", "mean", "loc", "z")


class Runner:
    """Runs a module's functions on numpy or torch batches the way inference should run:
    under ``no_grad``, in eval mode (each submodule's mode restored afterwards), on the
    module's own device and dtype, ``batch_size`` rows at a time."""

    def __init__(self, module: torch.nn.Module, batch_size: int, name: str) -> None:
        self.module = module
        self.batch_size = batch_size
        self.name = name

    def placement(self) -> tuple[torch.device, torch.dtype]:
        """Device and floating dtype of the module's first parameter (or buffer), read at
        every call so a module moved after adapting still works."""
        import torch

        for tensor in chain(self.module.parameters(), self.module.buffers()):
            if tensor.is_floating_point():
                if tensor.is_meta:  # moved to the meta device after adapting
                    raise ValueError(no_weights(self.name))
                return tensor.device, tensor.dtype
        return torch.device("cpu"), torch.get_default_dtype()

    def run(
        self,
        function: Callable[..., Any],
        X: np.ndarray | torch.Tensor,
        role: str,
        reshape: Callable[[torch.Tensor], torch.Tensor] | None = None,
    ) -> np.ndarray:
        """``function`` over the rows of ``X`` in batches; outputs reduced to a mean tensor
        and returned as one numpy array ``(n, ...)``."""
        import torch

        device, dtype = self.placement()
        parts = []
        with _inference(self.module):
            for start in range(0, len(X), self.batch_size):
                part = X[start : start + self.batch_size]
                # np.array copies: torch warns about (and may write to) read-only arrays.
                batch = part if isinstance(part, torch.Tensor) else torch.from_numpy(np.array(part))
                batch = batch.to(device=device, dtype=dtype)
                if reshape is not None:
                    batch = reshape(batch)
                parts.append(to_numpy(_mean_of(function(batch), role, self.name)))
        if not parts:
            raise ValueError(f"{self.name} was given no rows to run its {role} on.")
        return np.concatenate(parts)


def require_weights(module: torch.nn.Module, name: str) -> None:
    """Refuse a module built without weights (``with torch.device("meta"):``, or a loader's
    empty-weights init): running it could only fail deep inside torch."""
    if any(t.is_meta for t in chain(module.parameters(), module.buffers())):
        raise ValueError(no_weights(name))


def no_weights(name: str) -> str:
    return (
        f"{name} has no weights: its parameters are on the meta device (built under "
        "torch.device('meta') or an empty-weights loader); load them first, e.g. "
        "model.to_empty(device='cpu') then model.load_state_dict(torch.load(path)), or "
        "model.load_state_dict(state_dict, assign=True)."
    )


@contextmanager
def _inference(module: torch.nn.Module) -> Iterator[None]:
    import torch

    # Each submodule's own flag, not module.train(mode): a user may keep parts in eval mode
    # (frozen batch norm) while the rest trains.
    modes = [(part, part.training) for part in module.modules()]
    module.eval()
    try:
        with torch.no_grad():
            yield
    finally:
        for part, training in modes:
            part.training = training


class Decoder:
    """Latents ``(n, d)`` to outputs ``(n, ...)``, as ``(n, d)`` or DCGAN-style
    ``(n, d, 1, 1)`` inputs; the style is found by trying when the first layer leaves it open."""

    def __init__(self, runner: Runner, function: Callable[..., Any], spatial: bool | None) -> None:
        self.runner = runner
        self.function = function
        self.spatial = spatial

    def __call__(self, Z: np.ndarray) -> np.ndarray:
        Z = np.asarray(Z)
        if self.spatial is None:
            self._settle(Z[:1])
        reshape = _as_spatial if self.spatial else None
        return self.runner.run(self.function, Z, "decoder", reshape)

    def probe(self, Z: np.ndarray) -> np.ndarray:
        """Decode (some of) ``Z`` to learn what the outputs look like: a few rows first, then
        as many more as fit in the probe's budget (1024² RGB GANs)."""
        outputs = self._settle(Z[:8]) if self.spatial is None else self(Z[:8])
        per_sample = max(1, int(np.prod(outputs.shape[1:])))
        more = min(len(Z), max(8, _PROBE_VALUES // per_sample)) - 8
        if more > 0:
            outputs = np.concatenate([outputs, self(Z[8 : 8 + more])])
        return outputs

    def _settle(self, Z: np.ndarray) -> np.ndarray:
        """Decode ``Z`` as ``(n, d)``, else as ``(n, d, 1, 1)``, keeping the style that works."""
        errors = []
        for spatial in (False, True):
            try:
                outputs = self.runner.run(
                    self.function, Z, "decoder", _as_spatial if spatial else None
                )
            except Exception as error:  # the other input style may work; say both if not
                errors.append(f"as {'(n, d, 1, 1)' if spatial else '(n, d)'}: {error}")
            else:
                self.spatial = spatial
                return outputs
        raise ValueError(
            f"{self.runner.name} could not decode latents of size {Z.shape[1]}; tried them "
            + "; ".join(errors)
            + ". If the latent size is wrong, pass latent_dim=."
        )


def _as_spatial(batch: torch.Tensor) -> torch.Tensor:
    return batch.reshape(*batch.shape, 1, 1)


def as_batches(X: Any, name: str) -> np.ndarray | torch.Tensor:
    """Data as something sliceable into batches: a torch tensor stays one (no copy)."""
    import torch

    if isinstance(X, torch.Tensor):
        if X.is_complex():
            raise ValueError(f"{name} encodes real-valued arrays; got a complex tensor.")
        return X.detach()
    try:
        array = np.asarray(X)
        if array.dtype.kind not in "biuf":
            array = array.astype(np.float64)
    except (TypeError, ValueError):
        raise ValueError(
            f"{name} encodes numeric arrays (n, ...) such as images, as numpy arrays, torch "
            f"tensors or nested lists; got {type(X).__name__} that is not numeric."
        ) from None
    if array.ndim == 0:
        raise ValueError(
            f"{name} encodes arrays of samples (n, ...); got a single number. For one sample, "
            "pass X[None]."
        )
    return array


def _mean_of(output: Any, role: str, name: str) -> torch.Tensor:
    """A tensor from what an encoder or decoder returned: a tensor as is; a ``(mu, logvar)``
    tuple's first element; a dict's ``mu``/``mean``/``loc``/``z``; a distribution's mean."""
    import torch

    if isinstance(output, torch.Tensor):
        return output
    if isinstance(output, tuple | list) and output:
        return _mean_of(output[0], role, name)
    if isinstance(output, dict):
        for key in _MEAN_KEYS:
            if key in output:
                return _mean_of(output[key], role, name)
        raise ValueError(
            f"{name}'s {role} returned a dict with keys {sorted(map(str, output))}; expected "
            f"one of {', '.join(map(repr, _MEAN_KEYS))} (in that order) holding the mean."
        )
    if isinstance(output, torch.distributions.Distribution):
        return output.mean
    raise TypeError(
        f"{name}'s {role} returned {type(output).__name__}; expected a tensor, a tuple such "
        "as (mu, logvar), a dict with 'mu', 'mean', 'loc' or 'z', or a "
        "torch.distributions.Distribution."
    )


def to_numpy(tensor: torch.Tensor) -> np.ndarray:
    import torch

    tensor = tensor.detach()
    if tensor.dtype == torch.bfloat16:  # numpy has no bfloat16
        tensor = tensor.float()
    return tensor.cpu().numpy()
