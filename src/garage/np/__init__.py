"""NumPy helpers: returns, diagnostics, windows and (nested) tensor dicts."""

from garage.np._functions import (
    discount_cumsum,
    explained_variance_1d,
    flatten_tensors,
    rrse,
    sliding_window,
    unflatten_tensors,
)
from garage.np._samples import samples_to_tensors
from garage.np._tensor_dicts import (
    concat_tensor_dict_list,
    index_nested_dict,
    pad_batch_array,
    pad_tensor,
    pad_tensor_dict,
    pad_tensor_n,
    repeat_nested_dict,
    slice_nested_dict,
    stack_and_pad_tensor_dict_list,
    stack_tensor_dict_list,
    truncate_tensor_dict,
    valid_mask,
)

__all__ = [
    'concat_tensor_dict_list',
    'discount_cumsum',
    'explained_variance_1d',
    'flatten_tensors',
    'index_nested_dict',
    'pad_batch_array',
    'pad_tensor',
    'pad_tensor_dict',
    'pad_tensor_n',
    'repeat_nested_dict',
    'rrse',
    'samples_to_tensors',
    'slice_nested_dict',
    'sliding_window',
    'stack_and_pad_tensor_dict_list',
    'stack_tensor_dict_list',
    'truncate_tensor_dict',
    'unflatten_tensors',
    'valid_mask',
]
