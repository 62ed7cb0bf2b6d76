"""PyTorch helpers: the global device, conversions and training arithmetic.

Modules, policies, value functions, Q-functions, distributions and
optimizers live in subpackages (``garage.torch.modules``, ...), imported on
their own.
"""

from garage.torch._functions import (
    as_torch_dict,
    compute_advantages,
    expand_var,
    filter_valids,
    flatten_batch,
    flatten_to_single_vector,
    global_device,
    list_to_tensor,
    np_to_torch,
    output_height_2d,
    output_width_2d,
    pad_to_last,
    prefer_gpu,
    product_of_gaussians,
    set_gpu_mode,
    soft_update_model,
    state_dict_to,
    torch_to_np,
    update_module_params,
    zero_optim_grads,
)

__all__ = [
    'as_torch_dict',
    'compute_advantages',
    'expand_var',
    'filter_valids',
    'flatten_batch',
    'flatten_to_single_vector',
    'global_device',
    'list_to_tensor',
    'np_to_torch',
    'output_height_2d',
    'output_width_2d',
    'pad_to_last',
    'prefer_gpu',
    'product_of_gaussians',
    'set_gpu_mode',
    'soft_update_model',
    'state_dict_to',
    'torch_to_np',
    'update_module_params',
    'zero_optim_grads',
]
