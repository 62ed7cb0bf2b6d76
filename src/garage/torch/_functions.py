"""PyTorch helpers: the global device, conversions and training arithmetic.

garage keeps one global device, CPU unless `set_gpu_mode` chose a GPU;
`np_to_torch` and the algorithms put their tensors on it.
"""

import copy
import math
from collections.abc import Iterable, Mapping, MutableMapping, Sequence
from typing import Any

import numpy as np
import torch
from numpy.typing import ArrayLike
from torch import nn

from garage import _validation

_device = torch.device('cpu')


def set_gpu_mode(mode: bool, gpu_id: int = 0) -> None:
    """Choose the global device: a CUDA GPU or the CPU.

    Args:
        mode: True for the GPU ``cuda:<gpu_id>``, False for the CPU.
        gpu_id: Index of the GPU to use; ignored when ``mode`` is False.

    Raises:
        RuntimeError: If ``mode`` is True but PyTorch cannot use CUDA.
        ValueError: If ``gpu_id`` is not the index of a visible GPU.

    """
    global _device
    if not mode:
        _device = torch.device('cpu')
        return
    if not torch.cuda.is_available():
        raise RuntimeError(
            f'set_gpu_mode(True, {gpu_id=}) needs CUDA, but '
            'torch.cuda.is_available() is False (torch '
            f'{torch.__version__}, built for CUDA {torch.version.cuda}); '
            'call set_gpu_mode(False) to run on the CPU'
        )
    gpu_id = _validation.non_negative_int('gpu_id', gpu_id)
    n_gpus = torch.cuda.device_count()
    if gpu_id >= n_gpus:
        raise ValueError(
            f'gpu_id must be the index of a visible GPU, from 0 to {n_gpus - 1}, '
            f'got {gpu_id}'
        )
    _device = torch.device(f'cuda:{gpu_id}')


def prefer_gpu() -> None:
    """Choose the first GPU as the global device if CUDA works, else the CPU.

    The same as ``set_gpu_mode(torch.cuda.is_available())``.
    """
    set_gpu_mode(torch.cuda.is_available())


def global_device() -> torch.device:
    """Return the global device that `set_gpu_mode` chose.

    Returns:
        torch.device: ``cuda:<gpu_id>`` in GPU mode, the CPU otherwise (the
            default).

    """
    return _device


def np_to_torch(array: ArrayLike) -> torch.Tensor:
    """Convert an array to a float32 tensor on the global device.

    A writable float32 array with non-negative strides is shared, not
    copied, when the global device is the CPU: writing to one then changes
    the other. Anything else (another dtype, a read-only array, a reversed
    view) is copied first.

    Args:
        array: The array, or anything ``np.asarray`` accepts.

    Returns:
        torch.Tensor: The float32 tensor, on `global_device`.

    """
    array = np.asarray(array)
    shareable = (
        array.dtype == np.float32
        and array.flags.writeable
        and all(stride >= 0 for stride in array.strides)
    )
    if not shareable:
        array = np.array(array, dtype=np.float32, order='C')
    return torch.from_numpy(array).to(global_device())


def list_to_tensor(data: ArrayLike) -> torch.Tensor:
    """Convert a list (or any array-like) to a float32 tensor.

    Unlike `np_to_torch`, it always copies, and the tensor is on the CPU
    in CPU mode and on `global_device` otherwise.

    Args:
        data: The values, nested lists included.

    Returns:
        torch.Tensor: The float32 tensor, on `global_device`.

    """
    return torch.tensor(np.asarray(data), dtype=torch.float32, device=global_device())


def zero_optim_grads(optim: torch.optim.Optimizer, set_to_none: bool = True) -> None:
    """Clear the gradients of every parameter an optimizer updates.

    Args:
        optim: The optimizer.
        set_to_none: Set the gradients to None, which saves the memory and
            the work of zero-filling them; False fills them with zeros, as
            ``optim.zero_grad(set_to_none=False)`` does.

    """
    optim.zero_grad(set_to_none=set_to_none)


def torch_to_np(tensors: Iterable[torch.Tensor]) -> tuple[np.ndarray, ...]:
    """Convert tensors to NumPy arrays, detached and moved to the CPU.

    Args:
        tensors: The tensors, for example the tuple a module's ``forward``
            returned.

    Returns:
        tuple[np.ndarray, ...]: One array per tensor, in order.

    Raises:
        TypeError: If ``tensors`` is a single tensor rather than a collection
            of them.

    """
    if isinstance(tensors, torch.Tensor):
        raise TypeError(
            'torch_to_np takes a collection of tensors and '
            'returns a tuple of arrays; wrap a single tensor as '
            f'(tensor,), got a tensor of shape {tuple(tensors.shape)}'
        )
    return tuple(tensor.detach().cpu().numpy() for tensor in tensors)


def as_torch_dict(array_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """Convert the arrays of a dict to tensors with `np_to_torch`, in place.

    As in the original garage, the dict itself is modified: each array is
    replaced by its tensor, and the same dict is returned. Nested dicts are
    converted in place too.

    Args:
        array_dict: Arrays keyed by name, possibly nested.

    Returns:
        MutableMapping: ``array_dict``, now holding float32 tensors on the
            global device, with the same keys and nesting.

    """
    for key, value in array_dict.items():
        if isinstance(value, MutableMapping):
            as_torch_dict(value)
        else:
            array_dict[key] = np_to_torch(value)
    return array_dict


def state_dict_to(state_dict: Mapping, device: str | torch.device) -> Mapping:
    """Move every tensor of a state dict to a device.

    Works on a module's state dict and on an optimizer's, whose tensors sit
    in nested dicts and lists. The input is left unchanged; the result is a
    shallow copy of the same type (a module's ``OrderedDict`` keeps the
    ``_metadata`` that ``load_state_dict`` reads).

    Args:
        state_dict: The state dict.
        device: The device to move the tensors to.

    Returns:
        Mapping: A state dict of the same structure with its tensors on
            ``device``; values that are not tensors are shared.

    """
    return _to_device(state_dict, torch.device(device))


def _to_device(value: Any, device: torch.device) -> Any:
    if isinstance(value, torch.Tensor):
        return value.to(device)
    if isinstance(value, MutableMapping):
        moved = copy.copy(value)
        for key, item in value.items():
            moved[key] = _to_device(item, device)
        return moved
    if isinstance(value, list | tuple):
        return type(value)(_to_device(item, device) for item in value)
    return value


def update_module_params(
    module: nn.Module, new_params: Mapping[str, torch.Tensor]
) -> None:
    """Replace parameters of a module by tensors, keeping their graph.

    This is the functional update that meta-learning (MAML) needs: after
    ``update_module_params(policy, {'weight': w - lr * grad})`` the
    policy's forward pass computes with the new tensor, so a loss of the
    updated policy can be differentiated back through the update to the
    old parameters.

    How it works: each name is split at its last dot into a submodule path
    and a parameter name, and the tensor is stored in that submodule's
    ``_parameters`` dict under the name, replacing the ``nn.Parameter``.
    ``nn.Module`` looks parameters up in that dict, so ``forward`` reads the
    new tensor and ``parameters()`` / ``named_parameters()`` yield it (a
    plain tensor, perhaps not a leaf). Passing the original parameters back
    restores the module.

    Args:
        module: The module to update in place.
        new_params: Tensors keyed by parameter name, as in
            ``module.named_parameters()`` (for example ``'layers.0.weight'``).
            Names may be a subset of the parameters.

    Raises:
        ValueError: If a name is not a parameter of ``module``.

    """
    for name, new_param in new_params.items():
        module_path, _, param_name = name.rpartition('.')
        try:
            submodule = module.get_submodule(module_path)
        except AttributeError:
            submodule = None
        if submodule is None or param_name not in submodule._parameters:
            known = [n for n, _ in module.named_parameters(remove_duplicate=False)]
            raise ValueError(
                f'{name!r} is not a parameter of the module; expected one of {known}'
            )
        # a plain tensor, not a Parameter, so that gradients flow through it
        submodule._parameters[param_name] = new_param  # type: ignore[assignment]


@torch.no_grad()
def soft_update_model(
    target_model: nn.Module, source_model: nn.Module, tau: float
) -> None:
    r"""Move a target network's parameters towards a source's (Polyak).

    Sets `θ_target ← (1 - τ) θ_target +
    τ θ_source` in place, without recording gradients: ``tau=0``
    leaves the target unchanged, ``tau=1`` copies the source. Only
    parameters are averaged, not buffers.

    Args:
        target_model: The module to update, for example a target Q-function.
        source_model: The module to move towards, with the same parameters.
        tau: The interpolation weight, from 0 to 1.

    Raises:
        ValueError: If ``tau`` is outside [0, 1], or the two modules'
            parameters differ in number or shape.

    """
    _validation.number_in('tau', tau, 0, 1)
    target_params = list(target_model.parameters())
    source_params = list(source_model.parameters())
    target_shapes = [tuple(p.shape) for p in target_params]
    source_shapes = [tuple(p.shape) for p in source_params]
    if target_shapes != source_shapes:
        raise ValueError(
            'target_model and source_model must have parameters '
            f'of the same shapes, but have {target_shapes} and '
            f'{source_shapes}'
        )
    for target_param, source_param in zip(target_params, source_params, strict=True):
        target_param.lerp_(source_param, tau)


def compute_advantages(
    discount: float,
    gae_lambda: float,
    max_episode_length: int,
    baselines: torch.Tensor,
    rewards: torch.Tensor,
) -> torch.Tensor:
    r"""Generalized advantage estimates (GAE) of padded episodes.

    Row `i` of ``rewards`` and ``baselines`` is one episode, padded
    with zeros to ``max_episode_length`` steps. With `V_T = 0` past
    the last column,

        δ_t = r_t + γ V_(t+1) - V_t,
        A_t = Σ_(k=0)^(T-1-t) (γλ)ᵏ δ_(t+k).

    The padding must be zero in both tensors (as ``EpisodeBatch.padded_*``
    is). Then an episode of length `L` gets the GAE of that episode
    with a value of 0 after its last step (no bootstrapping), and its
    advantages past step `L` are 0. To bootstrap an episode that
    timed out instead, add `γ V(s_L)` to its last reward.
    ``gae_lambda=0`` gives the
    one-step TD errors `δ_t`; ``gae_lambda=1`` gives the
    discounted return minus the baseline.

    The recursion `A_t = δ_t + γλ A_(t+1)` runs over
    time steps, for all episodes at once. The result stays differentiable
    with respect to the inputs.

    Args:
        discount: The discount factor `γ`, from 0 to 1.
        gae_lambda: The GAE parameter `λ`, from 0 to 1.
        max_episode_length: The number of columns `T` of the inputs.
        baselines: Value estimates `V_t`, shape `(N, T)`.
        rewards: Rewards `r_t`, shape `(N, T)`.

    Returns:
        torch.Tensor: The advantages, shape `(N, T)`.

    Raises:
        ValueError: If ``discount`` or ``gae_lambda`` is outside [0, 1],
            ``max_episode_length`` is not positive, or the inputs are not
            both of shape ``(N, max_episode_length)``.

    """
    _validation.number_in('discount', discount, 0, 1)
    _validation.number_in('gae_lambda', gae_lambda, 0, 1)
    max_episode_length = _validation.positive_int(
        'max_episode_length', max_episode_length
    )
    for name, tensor in (('rewards', rewards), ('baselines', baselines)):
        if tensor.dim() != 2 or tensor.shape[1] != max_episode_length:
            raise ValueError(
                f'{name} must have shape (N, {max_episode_length}) '
                '(one zero-padded episode per row), but has '
                f'shape {tuple(tensor.shape)}'
            )
    if baselines.shape != rewards.shape:
        raise ValueError(
            f'baselines has shape {tuple(baselines.shape)} but '
            f'rewards has shape {tuple(rewards.shape)}; they '
            'must be the same'
        )
    next_baselines = nn.functional.pad(baselines[:, 1:], (0, 1))
    deltas = rewards + discount * next_baselines - baselines
    advantage = torch.zeros_like(deltas[:, 0])
    advantages = []
    for t in reversed(range(max_episode_length)):
        advantage = deltas[:, t] + discount * gae_lambda * advantage
        advantages.append(advantage)
    return torch.stack(advantages[::-1], dim=1)


def filter_valids(
    tensor: torch.Tensor, valids: Sequence[int] | np.ndarray | torch.Tensor
) -> list[torch.Tensor]:
    r"""Cut the padding off each row of a padded tensor.

    Args:
        tensor: Padded tensor, shape `(N, T, …)`.
        valids: The valid length of each row (for example
            ``EpisodeBatch.lengths``), `N` integers from 0 to
            `T`.

    Returns:
        list[torch.Tensor]: Row `i` cut to its first ``valids[i]``
            entries, a view of ``tensor``.

    Raises:
        ValueError: If ``tensor`` has fewer than two dimensions, there is
            not one length per row, or a length is outside [0, T].

    """
    if tensor.dim() < 2:
        raise ValueError(
            'filter_valids needs a tensor of shape (N, T, ...), '
            f'but the tensor has shape {tuple(tensor.shape)}'
        )
    lengths = [int(length) for length in valids]
    if len(lengths) != len(tensor):
        raise ValueError(
            f'valids has {len(lengths)} lengths but tensor has '
            f'{len(tensor)} rows; there must be one per row'
        )
    max_length = tensor.shape[1]
    bad = [length for length in lengths if not 0 <= length <= max_length]
    if bad:
        raise ValueError(
            f'valids must be lengths from 0 to {max_length} '
            f'(the padded length), but include {bad}'
        )
    return [row[:length] for row, length in zip(tensor, lengths, strict=True)]


def flatten_batch(tensor: torch.Tensor) -> torch.Tensor:
    r"""Merge the first two dimensions of a tensor.

    Args:
        tensor: Tensor of shape `(N, T, …)`.

    Returns:
        torch.Tensor: Shape `(N · T, …)`, a view where
            possible.

    Raises:
        ValueError: If ``tensor`` has fewer than two dimensions.

    """
    if tensor.dim() < 2:
        raise ValueError(
            'flatten_batch merges the first two dimensions, but '
            f'the tensor has shape {tuple(tensor.shape)}'
        )
    return tensor.reshape((-1, *tensor.shape[2:]))


def product_of_gaussians(
    mus: torch.Tensor, sigmas_squared: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    r"""Combine independent Gaussian factors into one Gaussian.

    The product of densities `Π_i N(μ_i, σ_i²)`, normalised,
    is `N(μ, σ²)` with `σ² = 1 / Σ_i
    σ_i⁻²` and `μ = σ² Σ_i μ_i / σ_i²`
    (PEARL combines its per-transition posteriors this way). Variances are
    clamped to at least 1e-7 first.

    Args:
        mus: Means of the factors, stacked along dimension 0.
        sigmas_squared: Variances of the factors, the same shape.

    Returns:
        tuple[torch.Tensor, torch.Tensor]: The mean and the variance of the
            product, with dimension 0 reduced.

    """
    sigmas_squared = torch.clamp(sigmas_squared, min=1e-7)
    sigma_squared = 1 / torch.sum(torch.reciprocal(sigmas_squared), dim=0)
    mu = sigma_squared * torch.sum(mus / sigmas_squared, dim=0)
    return mu, sigma_squared


def pad_to_last(
    nums: ArrayLike, total_length: int, axis: int = -1, val: float = 0
) -> torch.Tensor:
    """Pad an array with ``val`` at the end of one axis, up to a length.

    An axis already ``total_length`` long or longer is left as it is.

    Args:
        nums: The array to pad.
        total_length: The length of ``axis`` in the result.
        axis: The axis to pad; negative counts from the end.
        val: The value of the padding.

    Returns:
        torch.Tensor: The padded array, as a tensor of the default float
            dtype on the CPU.

    Raises:
        IndexError: If ``axis`` is out of range for ``nums``.

    """
    tensor = torch.as_tensor(np.asarray(nums), dtype=torch.get_default_dtype())
    n_dims = tensor.dim()
    if not -n_dims <= axis < n_dims:
        raise IndexError(
            f'axis {axis} is out of range for an array of shape {tuple(tensor.shape)}'
        )
    axis %= n_dims
    padding = [0, 0] * n_dims
    # nn.functional.pad lists (before, after) pairs from the last axis back
    padding[2 * (n_dims - 1 - axis) + 1] = max(total_length - tensor.shape[axis], 0)
    return nn.functional.pad(tensor, padding, value=val)


def flatten_to_single_vector(tensor: torch.Tensor) -> torch.Tensor:
    """Flatten each entry of a batch into one vector.

    Args:
        tensor: A batch, of shape `(N, …)`, for example images of shape
            `(N, C, H, W)`.

    Returns:
        torch.Tensor: Shape `(N, C · H · W)`, a view where possible.

    """
    return tensor.reshape(tensor.shape[0], -1)


def output_height_2d(layer: nn.Conv2d | nn.MaxPool2d, height: int) -> int:
    """Compute the output height of a ``Conv2d`` or ``MaxPool2d`` layer.

    The layer works on images in NCHW format (as PyTorch's 2-D layers do).
    The formula of the layers' documentation is used, with their padding
    (``'same'`` and ``'valid'`` included), stride, dilation, kernel size
    and ``ceil_mode``.

    Args:
        layer: The layer.
        height: The height of the input images.

    Returns:
        int: The height of the output images.

    """
    return _output_size_2d(layer, height, 0)


def output_width_2d(layer: nn.Conv2d | nn.MaxPool2d, width: int) -> int:
    """Compute the output width of a layer; see `output_height_2d`.

    Args:
        layer: A ``Conv2d`` or ``MaxPool2d`` layer.
        width: The width of the input images.

    Returns:
        int: The width of the output images.

    """
    return _output_size_2d(layer, width, 1)


def _output_size_2d(layer: nn.Conv2d | nn.MaxPool2d, size: int, dim: int) -> int:
    """The output size along dimension ``dim`` (0 height, 1 width)."""
    _validation.instance_of('layer', layer, (nn.Conv2d, nn.MaxPool2d))

    def pick(value: Any) -> Any:
        return value[dim] if isinstance(value, tuple) else value

    padding = pick(layer.padding)
    if padding == 'same':
        return size
    if padding == 'valid':
        padding = 0
    stride = pick(layer.stride)
    span = size + 2 * padding - pick(layer.dilation) * (pick(layer.kernel_size) - 1) - 1
    round_ = math.ceil if getattr(layer, 'ceil_mode', False) else math.floor
    return int(round_(span / stride + 1))


def expand_var(name: str, item: Any, n_expected: int, reference: str) -> Any:
    """Expand an option given once to one value per layer (or head).

    A list or tuple of one value is repeated, one of ``n_expected`` values
    is returned as it is, and any other value is repeated.

    Args:
        name: The option's name, for the error message.
        item: The option.
        n_expected: The number of values wanted.
        reference: Where ``n_expected`` comes from (for example
            ``'hidden_channels'``), for the error message.

    Returns:
        list or tuple: ``n_expected`` references to ``item`` (or to its one
            entry), or ``item`` itself.

    Raises:
        ValueError: If ``item`` is a list or tuple whose length is neither
            1 nor ``n_expected``.

    """
    if isinstance(item, list | tuple):
        if len(item) == n_expected:
            return item
        if len(item) == 1:
            return list(item) * n_expected
        raise ValueError(
            f'{name} must be one value or a sequence of 1 or {n_expected} '
            f'values ({n_expected} from {reference}), got {len(item)} '
            f'values: {item!r}'
        )
    return [item] * n_expected
