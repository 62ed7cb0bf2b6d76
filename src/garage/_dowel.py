"""dowel, the logger, imported without TensorFlow.

dowel's TensorBoard output imports TensorFlow when it is installed, only to
accept ``tf.Graph`` records, which garage never logs. Every garage module
imports dowel from here, so that the first import of it blocks TensorFlow,
which would otherwise cost seconds and memory.
"""

import importlib
import sys


def _import_dowel():
    if 'dowel' in sys.modules or 'tensorflow' in sys.modules:
        return importlib.import_module('dowel')
    sys.modules['tensorflow'] = None  # makes `import tensorflow` fail
    try:
        return importlib.import_module('dowel')
    finally:
        del sys.modules['tensorflow']


dowel = _import_dowel()
logger = dowel.logger
tabular = dowel.tabular
