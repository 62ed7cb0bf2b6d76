"""PyTorch helpers: the global device, conversions and training arithmetic.

Modules, policies, value functions, Q-functions, distributions and
optimizers live in subpackages (``garage.torch.modules``, ...), imported on
their own.
"""

from garage.torch._functions import (
    as_torch_dict,
    compute_advantages,
    filter_valids,
    flatten_batch,
    global_device,
    np_to_torch,
    product_of_gaussians,
    set_gpu_mode,
    soft_update_model,
    state_dict_to,
    torch_to_np,
    update_module_params,
)

__all__ = [
    'as_torch_dict',
    'compute_advantages',
    'filter_valids',
    'flatten_batch',
    'global_device',
    'np_to_torch',
    'product_of_gaussians',
    'set_gpu_mode',
    'soft_update_model',
    'state_dict_to',
    'torch_to_np',
    'update_module_params',
]
