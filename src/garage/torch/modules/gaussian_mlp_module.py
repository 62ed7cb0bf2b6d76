"""Multi-layer perceptrons that output a diagonal Gaussian distribution.

Three variants differ in where the standard deviation comes from:

* `GaussianMLPModule`: a parameter vector, independent of the input;
* `GaussianMLPIndependentStdModule`: a second multi-layer perceptron;
* `GaussianMLPTwoHeadedModule`: a second head of the mean's network.

All three return a ``torch.distributions.Independent`` of
``normal_distribution_cls(mean, std)`` from ``forward``. On a hot path (a
policy choosing one action per environment step), building a distribution
object costs tens of microseconds; `forward_mean_std` returns the
mean and log standard deviation without building one.
"""

import abc
import functools
import inspect
import math
from collections.abc import Callable, Sequence

import torch
from torch import nn
from torch.distributions import Distribution, Independent, Normal

from garage import _validation
from garage.torch.modules._utils import NonLinearitySpec, inverse_softplus
from garage.torch.modules.mlp_module import MLPModule
from garage.torch.modules.multi_headed_mlp_module import (
    Initializer,
    MultiHeadedMLPModule,
)

_STD_PARAMETERIZATIONS = ('exp', 'softplus')


class GaussianMLPBaseModule(nn.Module, abc.ABC):
    """Base of the modules that output a diagonal Gaussian distribution.

    The standard deviation is computed from an unconstrained parameter:
    with ``std_parameterization='exp'`` the parameter is the log standard
    deviation, ``std = exp(param)``; with ``'softplus'`` it is ``rho``,
    ``std = log(1 + exp(rho))``. ``min_std`` and ``max_std`` clamp the
    parameter (their images in parameter space: ``log(min_std)`` for
    ``'exp'``), so the standard deviation stays within them.

    Subclasses implement `_get_mean_and_std_param`.

    Args:
        init_std: Initial standard deviation.
        min_std: Lower bound of the standard deviation, or None.
        max_std: Upper bound of the standard deviation, or None.
        std_parameterization: How the standard deviation is parameterised:
            ``'exp'`` or ``'softplus'``.
        normal_distribution_cls: The distribution built from the mean and
            the standard deviation, ``torch.distributions.Normal`` or a class
            with the same constructor (``garage.torch.distributions
            .TanhNormal``). It is wrapped in ``Independent(..., 1)`` unless
            its event is already a vector.

    Raises:
        ValueError: If ``std_parameterization`` is not one of the choices,
            ``init_std``, ``min_std`` or ``max_std`` is not positive, or
            ``max_std`` is below ``min_std``.

    """

    def __init__(
        self,
        *,
        init_std: float,
        min_std: float | None,
        max_std: float | None,
        std_parameterization: str,
        normal_distribution_cls: type[Distribution],
    ):
        super().__init__()
        _validation.one_of(
            'std_parameterization', std_parameterization, _STD_PARAMETERIZATIONS
        )
        _validation.number_in('init_std', init_std, 0, low_open=True)
        for name, bound in (('min_std', min_std), ('max_std', max_std)):
            _validation.number_in(name, bound, 0, low_open=True, allow_none=True)
        if min_std is not None and max_std is not None and max_std < min_std:
            raise ValueError(
                f'max_std must be at least min_std, got {max_std=} and {min_std=}'
            )
        self._std_parameterization = std_parameterization
        self._init_std_param = self._to_std_param(init_std)
        self._min_std_param = None if min_std is None else self._to_std_param(min_std)
        self._max_std_param = None if max_std is None else self._to_std_param(max_std)
        # called with (mean, std), not with the base class's shapes
        self._norm_dist_class: Callable[..., Distribution] = normal_distribution_cls
        self._dist_takes_validate_args = (
            'validate_args' in inspect.signature(normal_distribution_cls).parameters
        )

    def _to_std_param(self, std: float) -> float:
        if self._std_parameterization == 'exp':
            return math.log(std)
        return inverse_softplus(std)

    @abc.abstractmethod
    def _get_mean_and_std_param(
        self, inputs: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Compute the mean and the unclamped standard-deviation parameter.

        Args:
            inputs: Input of shape ``(..., input_dim)``.

        Returns:
            tuple: The mean, of shape ``(..., output_dim)``, and the
                standard-deviation parameter, of a shape that broadcasts to
                the mean's.

        """

    def _mean_and_clamped_std_param(
        self, inputs: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        mean, std_param = self._get_mean_and_std_param(inputs)
        low, high = self._min_std_param, self._max_std_param
        if high is None:  # one-sided clamps dispatch faster
            if low is not None:
                std_param = std_param.clamp_min(low)
        elif low is None:
            std_param = std_param.clamp_max(high)
        else:
            std_param = std_param.clamp(low, high)
        return mean, std_param.expand_as(mean)

    def forward_mean_std(
        self, inputs: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Compute the mean and the log standard deviation, cheaply.

        This is what `forward` computes, without building a
        ``torch.distributions`` object: call it where only the parameters
        are needed, such as a policy's hot path. ``min_std`` and
        ``max_std`` are applied.

        Args:
            inputs: Input of shape ``(..., input_dim)``; any leading
                dimensions are batch dimensions.

        Returns:
            tuple: The mean and the log standard deviation, both of shape
                ``(..., output_dim)``.

        """
        mean, std_param = self._mean_and_clamped_std_param(inputs)
        if self._std_parameterization == 'exp':
            return mean, std_param
        return mean, nn.functional.softplus(std_param).log()

    def forward(self, inputs: torch.Tensor) -> Distribution:
        """Compute the distribution of the output.

        Args:
            inputs: Input of shape ``(..., input_dim)``; any leading
                dimensions are batch dimensions.

        Returns:
            torch.distributions.Distribution: An ``Independent`` of
                ``normal_distribution_cls(mean, std)`` with batch shape
                ``inputs.shape[:-1]`` and event shape ``(output_dim,)``.
                It is built without argument validation.

        """
        mean, std_param = self._mean_and_clamped_std_param(inputs)
        if self._std_parameterization == 'exp':
            std = std_param.exp()
        else:
            std = nn.functional.softplus(std_param)
        if self._dist_takes_validate_args:
            dist = self._norm_dist_class(mean, std, validate_args=False)
        else:
            dist = self._norm_dist_class(mean, std)
        if len(dist.event_shape) == 0:
            dist = Independent(dist, 1, validate_args=False)
        return dist


class GaussianMLPModule(GaussianMLPBaseModule):
    """A multi-layer perceptron for the mean and a parameter vector for std.

    The standard deviation is one value per output dimension, independent
    of the input: a learnable parameter when ``learn_std`` is True, else a
    fixed buffer (moved by ``.to()`` and saved in ``state_dict``, but never
    trained).

    Args:
        input_dim: Dimension of the input.
        output_dim: Dimension of the output.
        hidden_sizes: Size of each hidden layer of the mean network.
        hidden_nonlinearity: Nonlinearity of the hidden layers, or None.
        hidden_w_init: Initialiser of the hidden layers' weights.
        hidden_b_init: Initialiser of the hidden layers' biases.
        output_nonlinearity: Nonlinearity of the mean's output, or None.
        output_w_init: Initialiser of the output layer's weights.
        output_b_init: Initialiser of the output layer's biases.
        learn_std: Whether the standard deviation is learned.
        init_std: Initial standard deviation.
        min_std: Lower bound of the standard deviation, or None.
        max_std: Upper bound of the standard deviation, or None.
        std_parameterization: ``'exp'`` (the parameter is the log standard
            deviation) or ``'softplus'`` (``std = log(1 + exp(param))``).
        layer_normalization: Whether to normalise the input of each hidden
            layer.
        normal_distribution_cls: The distribution built from the mean and
            the standard deviation.

    """

    def __init__(
        self,
        input_dim: int,
        output_dim: int,
        hidden_sizes: Sequence[int] = (32, 32),
        *,
        hidden_nonlinearity: NonLinearitySpec | None = torch.tanh,
        hidden_w_init: Initializer = nn.init.xavier_uniform_,
        hidden_b_init: Initializer = nn.init.zeros_,
        output_nonlinearity: NonLinearitySpec | None = None,
        output_w_init: Initializer = nn.init.xavier_uniform_,
        output_b_init: Initializer = nn.init.zeros_,
        learn_std: bool = True,
        init_std: float = 1.0,
        min_std: float | None = 1e-6,
        max_std: float | None = None,
        std_parameterization: str = 'exp',
        layer_normalization: bool = False,
        normal_distribution_cls: type[Distribution] = Normal,
    ):
        super().__init__(
            init_std=init_std,
            min_std=min_std,
            max_std=max_std,
            std_parameterization=std_parameterization,
            normal_distribution_cls=normal_distribution_cls,
        )
        self._mean_module = MLPModule(
            input_dim=input_dim,
            output_dim=output_dim,
            hidden_sizes=hidden_sizes,
            hidden_nonlinearity=hidden_nonlinearity,
            hidden_w_init=hidden_w_init,
            hidden_b_init=hidden_b_init,
            output_nonlinearity=output_nonlinearity,
            output_w_init=output_w_init,
            output_b_init=output_b_init,
            layer_normalization=layer_normalization,
        )
        std_param = torch.full((output_dim,), self._init_std_param)
        if learn_std:
            self._std_param = nn.Parameter(std_param)
        else:
            self.register_buffer('_std_param', std_param)

    def _get_mean_and_std_param(
        self, inputs: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        return self._mean_module(inputs), self._std_param


class GaussianMLPIndependentStdModule(GaussianMLPBaseModule):
    """Two multi-layer perceptrons: one for the mean, one for the std.

    The standard-deviation network outputs the standard-deviation
    parameter (the log standard deviation for ``'exp'``). Its output bias
    starts at the parameter of ``init_std``. With ``learn_std`` False, its
    parameters are frozen (``requires_grad`` False) at their initial values.

    Args:
        input_dim: Dimension of the input.
        output_dim: Dimension of the output.
        hidden_sizes: Size of each hidden layer of the mean network.
        hidden_nonlinearity: Nonlinearity of the mean network's hidden
            layers, or None.
        hidden_w_init: Initialiser of the mean network's hidden weights.
        hidden_b_init: Initialiser of the mean network's hidden biases.
        output_nonlinearity: Nonlinearity of the mean's output, or None.
        output_w_init: Initialiser of the mean's output weights.
        output_b_init: Initialiser of the mean's output biases.
        learn_std: Whether the standard-deviation network is trained.
        init_std: Initial standard deviation (the std network's output
            bias).
        min_std: Lower bound of the standard deviation, or None.
        max_std: Upper bound of the standard deviation, or None.
        std_hidden_sizes: Size of each hidden layer of the std network.
        std_hidden_nonlinearity: Nonlinearity of the std network's hidden
            layers, or None.
        std_hidden_w_init: Initialiser of the std network's hidden weights.
        std_hidden_b_init: Initialiser of the std network's hidden biases.
        std_output_nonlinearity: Nonlinearity of the std network's output,
            or None.
        std_output_w_init: Initialiser of the std network's output weights.
        std_parameterization: ``'exp'`` or ``'softplus'``.
        layer_normalization: Whether to normalise the input of each hidden
            layer of both networks.
        normal_distribution_cls: The distribution built from the mean and
            the standard deviation.

    """

    def __init__(
        self,
        input_dim: int,
        output_dim: int,
        hidden_sizes: Sequence[int] = (32, 32),
        *,
        hidden_nonlinearity: NonLinearitySpec | None = torch.tanh,
        hidden_w_init: Initializer = nn.init.xavier_uniform_,
        hidden_b_init: Initializer = nn.init.zeros_,
        output_nonlinearity: NonLinearitySpec | None = None,
        output_w_init: Initializer = nn.init.xavier_uniform_,
        output_b_init: Initializer = nn.init.zeros_,
        learn_std: bool = True,
        init_std: float = 1.0,
        min_std: float | None = 1e-6,
        max_std: float | None = None,
        std_hidden_sizes: Sequence[int] = (32, 32),
        std_hidden_nonlinearity: NonLinearitySpec | None = torch.tanh,
        std_hidden_w_init: Initializer = nn.init.xavier_uniform_,
        std_hidden_b_init: Initializer = nn.init.zeros_,
        std_output_nonlinearity: NonLinearitySpec | None = None,
        std_output_w_init: Initializer = nn.init.xavier_uniform_,
        std_parameterization: str = 'exp',
        layer_normalization: bool = False,
        normal_distribution_cls: type[Distribution] = Normal,
    ):
        super().__init__(
            init_std=init_std,
            min_std=min_std,
            max_std=max_std,
            std_parameterization=std_parameterization,
            normal_distribution_cls=normal_distribution_cls,
        )
        self._mean_module = MLPModule(
            input_dim=input_dim,
            output_dim=output_dim,
            hidden_sizes=hidden_sizes,
            hidden_nonlinearity=hidden_nonlinearity,
            hidden_w_init=hidden_w_init,
            hidden_b_init=hidden_b_init,
            output_nonlinearity=output_nonlinearity,
            output_w_init=output_w_init,
            output_b_init=output_b_init,
            layer_normalization=layer_normalization,
        )
        self._log_std_module = MLPModule(
            input_dim=input_dim,
            output_dim=output_dim,
            hidden_sizes=std_hidden_sizes,
            hidden_nonlinearity=std_hidden_nonlinearity,
            hidden_w_init=std_hidden_w_init,
            hidden_b_init=std_hidden_b_init,
            output_nonlinearity=std_output_nonlinearity,
            output_w_init=std_output_w_init,
            output_b_init=functools.partial(
                nn.init.constant_, val=self._init_std_param
            ),
            layer_normalization=layer_normalization,
        )
        self._log_std_module.requires_grad_(learn_std)

    def _get_mean_and_std_param(
        self, inputs: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        return self._mean_module(inputs), self._log_std_module(inputs)


class GaussianMLPTwoHeadedModule(GaussianMLPBaseModule):
    """One multi-layer perceptron with two heads: the mean and the std.

    The second head outputs the standard-deviation parameter (the log
    standard deviation for ``'exp'``); its bias starts at the parameter of
    ``init_std``. With ``learn_std`` False, the std head's own parameters
    are frozen (``requires_grad`` False); the hidden layers it shares with
    the mean still learn, so the standard deviation can still change.

    Args:
        input_dim: Dimension of the input.
        output_dim: Dimension of the output.
        hidden_sizes: Size of each shared hidden layer.
        hidden_nonlinearity: Nonlinearity of the hidden layers, or None.
        hidden_w_init: Initialiser of the hidden layers' weights.
        hidden_b_init: Initialiser of the hidden layers' biases.
        output_nonlinearity: Nonlinearity of the mean head, or None.
        output_w_init: Initialiser of both heads' weights.
        output_b_init: Initialiser of the mean head's biases.
        learn_std: Whether the std head is trained.
        init_std: Initial standard deviation (the std head's bias).
        min_std: Lower bound of the standard deviation, or None.
        max_std: Upper bound of the standard deviation, or None.
        std_parameterization: ``'exp'`` or ``'softplus'``.
        layer_normalization: Whether to normalise the input of each hidden
            layer.
        normal_distribution_cls: The distribution built from the mean and
            the standard deviation.

    """

    def __init__(
        self,
        input_dim: int,
        output_dim: int,
        hidden_sizes: Sequence[int] = (32, 32),
        *,
        hidden_nonlinearity: NonLinearitySpec | None = torch.tanh,
        hidden_w_init: Initializer = nn.init.xavier_uniform_,
        hidden_b_init: Initializer = nn.init.zeros_,
        output_nonlinearity: NonLinearitySpec | None = None,
        output_w_init: Initializer = nn.init.xavier_uniform_,
        output_b_init: Initializer = nn.init.zeros_,
        learn_std: bool = True,
        init_std: float = 1.0,
        min_std: float | None = 1e-6,
        max_std: float | None = None,
        std_parameterization: str = 'exp',
        layer_normalization: bool = False,
        normal_distribution_cls: type[Distribution] = Normal,
    ):
        super().__init__(
            init_std=init_std,
            min_std=min_std,
            max_std=max_std,
            std_parameterization=std_parameterization,
            normal_distribution_cls=normal_distribution_cls,
        )
        self._shared_mean_log_std_network = MultiHeadedMLPModule(
            n_heads=2,
            input_dim=input_dim,
            output_dims=output_dim,
            hidden_sizes=hidden_sizes,
            hidden_nonlinearity=hidden_nonlinearity,
            hidden_w_init=hidden_w_init,
            hidden_b_init=hidden_b_init,
            output_nonlinearities=[output_nonlinearity, None],
            output_w_inits=output_w_init,
            output_b_inits=[
                output_b_init,
                functools.partial(nn.init.constant_, val=self._init_std_param),
            ],
            layer_normalization=layer_normalization,
        )
        self._shared_mean_log_std_network._heads[1].requires_grad_(learn_std)

    def _get_mean_and_std_param(
        self, inputs: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        mean, std_param = self._shared_mean_log_std_network(inputs)
        return mean, std_param
