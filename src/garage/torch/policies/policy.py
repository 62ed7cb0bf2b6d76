"""Base class of the PyTorch policies."""

import contextlib
import itertools
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Self

import numpy as np
import torch

from garage._legacy_gym import akro
from garage.np.policies import Policy as NumPyPolicy

if TYPE_CHECKING:
    from garage._dtypes import EnvSpec


class Policy(torch.nn.Module, NumPyPolicy):
    """A policy that is a ``torch.nn.Module``.

    Algorithms call the module (``forward``) on batches of observation
    tensors; samplers call `get_action` and `get_actions` on
    NumPy observations and get NumPy actions back. Those two convert the
    observations, run `_act` in inference mode (no gradient) and
    convert its results; subclasses implement ``forward`` (the module's
    computation on a batch of observation tensors: the actions, or their
    distribution), and `_act` where the actions are not simply
    ``forward``'s output. A policy that is not a network, such as a
    scripted or expert policy, may instead override `get_action` and
    `get_actions` and define no ``forward``, as in the original garage.

    Observations given to `get_action` and `get_actions` may be
    flattened or have the observation space's own shape: for an image space
    of shape ``(H, W, C)``, one observation is ``(H, W, C)`` or
    ``(H * W * C,)`` and a batch is ``(N, H, W, C)`` or ``(N, H * W * C)``.
    Observations of a ``Discrete`` space may be indices or one-hot vectors;
    those of other spaces (``Dict``, ``Tuple``) are flattened with the
    space's ``flatten``. They are converted to the dtype and moved to the
    device of the policy's parameters (which ``.to()`` changes), so a policy
    on a GPU still takes and returns NumPy arrays. Parameters must be of a
    dtype NumPy has (``float16``, ``float32`` or ``float64``).

    Args:
        env_spec: The specification of the environment.
        name: The name of the policy.
        flatten_observations: Whether the module takes flattened
            observations, of shape ``(N, flat_dim)``, or observations in the
            space's shape, ``(N, *observation_space.shape)`` (convolutional
            policies).

    Raises:
        ValueError: If ``flatten_observations`` is False and the
            observation space is not an ``akro.Box``.

    """

    def __init__(
        self, env_spec: 'EnvSpec', name: str, *, flatten_observations: bool = True
    ):
        super().__init__()
        self._env_spec = env_spec
        self._name = name
        space = env_spec.observation_space
        flat_shape = (int(space.flat_dim),)
        is_box = isinstance(space, akro.Box)
        if not (flatten_observations or is_box):
            raise ValueError(
                "a policy taking observations in the space's "
                'shape (flatten_observations=False) needs an '
                f'akro.Box observation space, not {space!r}'
            )
        # the shapes taken without conversion, the space's own first
        self._observation_shapes = tuple(
            dict.fromkeys([tuple(space.shape), flat_shape] if is_box else [flat_shape])
        )
        if isinstance(space, akro.Discrete):
            self._shape_options = [((), ' (index)'), (flat_shape, ' (one-hot)')]
        elif is_box:
            self._shape_options = [(s, '') for s in self._observation_shapes]
        else:
            self._shape_options = [(flat_shape, ' (flattened)')]
        input_shape = flat_shape if flatten_observations else space.shape
        self._single_input_shape = (1, *input_shape)
        self._batch_input_shape = (-1, *input_shape)
        self._tensor_options: tuple[torch.device, np.dtype, bool] | None = None

    @property
    def env_spec(self) -> 'EnvSpec':
        """garage.EnvSpec: The specification of the environment."""
        return self._env_spec

    @property
    def name(self) -> str:
        """str: The name of the policy."""
        return self._name

    def _act(
        self, observations: torch.Tensor
    ) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """Compute the actions for a batch of observations.

        Called in inference mode by `get_action` and
        `get_actions`. The default takes ``forward``'s output as the
        actions, with no agent information.

        Args:
            observations: A batch of observations, as ``forward`` takes
                them.

        Returns:
            tuple: The actions, one per row, and the agent information: a
                dict of tensors with one row per observation. They may be
                views of parameters or buffers, or of one another:
                `get_action` and `get_actions` copy them.

        """
        return self(observations), {}

    def get_action(self, observation: Any) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Choose the action for one observation.

        Args:
            observation: One observation, flattened or in the shape of the
                observation space (an array, a list, or a tensor); for a
                ``Box`` space, any shape of the space's size, such as a
                batch of one, ``(1, flat_dim)``, which is flattened.

        Returns:
            tuple: The action, and a dict of agent information (for example
                the ``mean`` and ``log_std`` of a Gaussian policy) as NumPy
                arrays. Each array owns its memory: it shares none with
                the policy's tensors or with another array.

        Raises:
            ValueError: If the observation has none of the accepted shapes
                (for a ``Box`` space, the message names both sizes).

        """
        with torch.inference_mode():
            actions, info = self._act(self._single_observation(observation))
            if (self._tensor_options or self._get_tensor_options())[2]:
                actions, info = _to_cpu(actions, info)
        return _to_numpy(actions)[0].copy(), {
            key: _to_numpy(value)[0].copy() for key, value in info.items()
        }

    def get_actions(
        self, observations: Any
    ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Choose actions for a batch of observations.

        Args:
            observations: A batch of observations, one per row, each
                flattened or in the shape of the observation space (an
                array, a list, or a tensor); for a ``Box`` space, rows of
                any shape of the space's size.

        Returns:
            tuple: The actions, one per row, and a dict of agent information
                whose values are NumPy arrays with one row per observation.
                Each array owns its memory, C-contiguous: it shares none
                with the policy's tensors, another array, or its own other
                rows.

        Raises:
            ValueError: If the observations have none of the accepted
                shapes.

        """
        with torch.inference_mode():
            actions, info = self._act(self._observation_batch(observations))
            if (self._tensor_options or self._get_tensor_options())[2]:
                actions, info = _to_cpu(actions, info)
        return _to_numpy(actions).copy(), {
            key: _to_numpy(value).copy() for key, value in info.items()
        }

    def get_param_values(self) -> dict[str, torch.Tensor]:
        """Get the parameters (and buffers) of the policy.

        Returns:
            dict[str, torch.Tensor]: The ``state_dict``, copied and moved to
                the CPU: it does not change as the policy trains, and it can
                be sent to sampler workers that have no GPU. Load it with
                `set_param_values`, which moves it back onto the
                policy's device.

        """
        return {
            key: value.detach().to('cpu', copy=True)
            for key, value in self.state_dict().items()
        }

    def set_param_values(self, state_dict: dict[str, torch.Tensor]) -> None:
        """Set the parameters (and buffers) of the policy.

        Args:
            state_dict: A ``state_dict``, as `get_param_values`
                returns, on any device; its values are copied into the
                policy's tensors, which keep their device and dtype.

        """
        self.load_state_dict(state_dict)

    def load_state_dict(
        self, state_dict: Mapping[str, Any], strict: bool = True, assign: bool = False
    ) -> Any:
        """Load a ``state_dict``, as ``torch.nn.Module.load_state_dict``.

        Args:
            state_dict: The ``state_dict`` to load.
            strict: Whether its keys must match this policy's exactly.
            assign: Whether to use its tensors in place of this policy's
                (their device and dtype included) instead of copying them.

        Returns:
            NamedTuple: The ``missing_keys`` and ``unexpected_keys``.

        """
        result = super().load_state_dict(state_dict, strict=strict, assign=assign)
        self._tensor_options = None
        return result

    def _apply(self, fn: Callable, recurse: bool = True) -> Self:
        # .to(), .cuda(), .double() and the like all go through _apply
        result = super()._apply(fn, recurse)
        self._tensor_options = None
        return result

    def __setstate__(self, state: dict[str, Any]) -> None:
        # torch.load(map_location=...) may have moved the tensors
        super().__setstate__(state)
        self._tensor_options = None

    def _get_tensor_options(self) -> tuple[torch.device, np.dtype, bool]:
        """The device and dtype observations are converted to.

        Cached until the tensors of the policy are moved or replaced.

        Returns:
            tuple: The device of the first floating-point parameter or
                buffer (the CPU if there is none), the NumPy dtype matching
                its dtype (the default dtype if there is none), and whether
                tensors made from NumPy arrays must be moved to the device.

        """
        if self._tensor_options is None:
            device = torch.device('cpu')
            dtype = torch.get_default_dtype()
            for tensor in itertools.chain(self.parameters(), self.buffers()):
                if tensor.is_floating_point():
                    device, dtype = tensor.device, tensor.dtype
                    break
            np_dtype = torch.empty(0, dtype=dtype).numpy().dtype
            self._tensor_options = (device, np_dtype, device.type != 'cpu')
        return self._tensor_options

    def _to_tensor(self, array: np.ndarray, shape: tuple[int, ...]) -> torch.Tensor:
        """Make a tensor for the module from an array of observations.

        Args:
            array: Observations, of an accepted shape.
            shape: The shape the module takes them in.

        Returns:
            torch.Tensor: The observations, of the policy's dtype and on its
                device; on the CPU it may share memory with ``array``.

        """
        device, np_dtype, move = self._tensor_options or self._get_tensor_options()
        if array.dtype is not np_dtype or not (
            array.flags.writeable and array.flags.c_contiguous
        ):
            array = array.astype(np_dtype, order='C')
        tensor = torch.from_numpy(array.reshape(shape))
        if move:
            tensor = tensor.to(device)
        return tensor

    def _single_observation(self, observation: Any) -> torch.Tensor:
        """Convert one observation to a batch of one for the module.

        Args:
            observation: One observation.

        Returns:
            torch.Tensor: A batch holding the one observation.

        Raises:
            ValueError: If the observation has none of the accepted shapes.

        """
        array = (
            observation if type(observation) is np.ndarray else _as_array(observation)
        )
        if array.shape not in self._observation_shapes:
            array = self._flatten_observations(observation, array.shape, batch=False)
        return self._to_tensor(array, self._single_input_shape)

    def _observation_batch(self, observations: Any) -> torch.Tensor:
        """Convert a batch of observations for the module.

        Args:
            observations: A batch of observations, one per row.

        Returns:
            torch.Tensor: The batch, one observation per row.

        Raises:
            ValueError: If the observations have none of the accepted
                shapes.

        """
        array = (
            observations
            if type(observations) is np.ndarray
            else _as_array(observations)
        )
        if array.ndim == 0 or array.shape[1:] not in self._observation_shapes:
            array = self._flatten_observations(observations, array.shape, batch=True)
        return self._to_tensor(array, self._batch_input_shape)

    def _flatten_observations(
        self, observations: Any, shape: tuple[int, ...], *, batch: bool
    ) -> np.ndarray:
        """Flatten observations with the space's ``flatten``.

        Observations of a ``Discrete``, ``Dict`` or ``Tuple`` space that are
        not flattened yet go through here. So do Box observations of
        another shape than the space's: those of its size (a batch of one,
        ``(1, flat_dim)``, say) are flattened, as the original garage did;
        others are rejected.

        Args:
            observations: One observation, or a batch.
            shape: The shape of ``observations`` as an array.
            batch: Whether ``observations`` is a batch.

        Returns:
            np.ndarray: The flattened observations.

        Raises:
            ValueError: If the observations cannot be flattened to the
                space's flat dimension.

        """
        space = self._env_spec.observation_space
        flat_dim = int(space.flat_dim)
        flat_shape = (flat_dim,)
        flattened = None
        # the size of one observation, where the shape tells it
        size = int(np.prod(shape[1:] if batch else shape)) if shape else None
        if isinstance(space, akro.Box) and size == flat_dim and len(shape) > batch:
            array = np.asarray(observations)
            return array.reshape((len(array), flat_dim) if batch else flat_shape)
        if isinstance(space, akro.Discrete):
            # indices only: flatten would make [1, 2] a two-hot vector
            convertible = len(shape) == (1 if batch else 0)
        else:
            convertible = not isinstance(space, akro.Box)
        if convertible:
            with contextlib.suppress(ValueError, TypeError, IndexError, KeyError):
                flattened = np.asarray(
                    space.flatten_n(observations)
                    if batch
                    else space.flatten(observations)
                )
        if (
            flattened is None
            or (flattened.shape[1:] if batch else flattened.shape) != flat_shape
        ):
            options = ' or '.join(
                _shape_str(('N', *s) if batch else s) + note
                for s, note in self._shape_options
            )
            if not isinstance(space, (akro.Box, akro.Discrete)):
                options += (
                    ' or elements of the space'
                    if batch
                    else ' or an element of the space'
                )
            what = 'observations have' if batch else 'observation has'
            sizes = ''
            if isinstance(space, akro.Box) and len(shape) > batch:
                each = ' each' if batch else ''
                sizes = f': size {size}{each}, not {flat_dim}'
            raise ValueError(
                f'{what} shape {_shape_str(shape)}, but expected '
                f'{options} for the observation space {space}{sizes}'
            )
        return flattened


def _as_array(value: Any) -> np.ndarray:
    """Convert observations (array-like or tensor) to a NumPy array.

    Observations NumPy cannot stack, such as tuples of a ``Tuple`` space
    whose parts differ in shape, become a 0-d object array, which sends
    them to ``Policy._flatten_observations``.
    """
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().numpy()
    try:
        return np.asarray(value)
    except ValueError:  # parts of different shapes
        array = np.empty((), dtype=object)
        array[()] = value
        return array


def _to_numpy(tensor: torch.Tensor) -> np.ndarray:
    """View a CPU tensor as a NumPy array, which callers copy.

    The copy, in NumPy, is cheaper than PyTorch's, and freeing an array
    that owns its memory is cheaper than freeing one that keeps a tensor
    alive: samplers keep every step's arrays until the batch is built.
    """
    if tensor.requires_grad:  # a view of a parameter
        tensor = tensor.detach()
    return tensor.numpy()


def _to_cpu(
    actions: torch.Tensor, info: dict[str, torch.Tensor]
) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """Move actions and agent information to the CPU."""
    return actions.cpu(), {key: value.cpu() for key, value in info.items()}


def _shape_str(shape: tuple) -> str:
    """Write a shape as Python writes a tuple: ``(3,)``, ``(N, 4, 5)``."""
    return '(' + ', '.join(map(str, shape)) + (',)' if len(shape) == 1 else ')')
