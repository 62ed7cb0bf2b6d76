"""A Griffe extension: the API reference shows the algorithms' real defaults.

Algorithms mark the defaults of their optimizer arguments as theirs,
``qf_lr: float | _Default = _Default(1e-3)`` (``garage._optimizers``), so
that an optimizer given as a ``(class, args)`` tuple replaces them while a
learning rate the user chose beside a tuple is refused. mkdocstrings
renders signatures from the source text, so without this extension the
reference would show the private marker; with it, ``qf_lr: float =
0.001``. A default that is a private sentinel (``observations: np.ndarray
= _MISSING``, for an argument that is required, or has another name) is
left out: the argument shows as required, and its description says more.
``mkdocs.yml`` loads this extension; ``tests/docs/test_site.py`` checks that
no default in the built reference names a private object.
"""

import ast
from typing import Any

import griffe

MARKER = '_Default'


class PublicDefaults(griffe.Extension):
    """Show ``x: T | _Default = _Default(v)`` as ``x: T = v``; hide ``x=_SENTINEL``."""

    def on_function_instance(self, *, func: griffe.Function, **kwargs: Any) -> None:
        """Rewrite the marked parameters of a function as it is loaded.

        Args:
            func: The function.
            **kwargs: The rest of Griffe's event.

        """
        for parameter in func.parameters:
            default = parameter.default
            if isinstance(default, griffe.ExprCall) and str(default.function) == MARKER:
                (value,) = default.arguments
                parameter.default = repr(ast.literal_eval(str(value)))
            elif isinstance(default, griffe.ExprName) and default.name.startswith('_'):
                parameter.default = None
            annotation = parameter.annotation
            if (
                isinstance(annotation, griffe.ExprBinOp)
                and annotation.operator == '|'
                and str(annotation.right) == MARKER
            ):
                parameter.annotation = annotation.left
