"""garage without TensorFlow: never imported by `import garage`, clear errors."""

import subprocess
import sys
import textwrap

import pytest


def _run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, '-c', textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_import_garage_and_its_trainer_never_imports_tensorflow():
    result = _run(
        """
        import sys
        import garage, garage.trainer, garage.experiment, garage.sampler
        garage.TFTrainer  # the name resolves without making one
        from garage.experiment import local_tf_runner
        print('tensorflow' in sys.modules)
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == 'False'


@pytest.mark.parametrize(
    'statement',
    [
        'import garage.tf',
        'from garage.tf.policies import CategoricalMLPPolicy',
        'from garage.trainer import TFTrainer; TFTrainer()',
        'from garage.experiment import LocalTFRunner; LocalTFRunner()',
        'from garage.sampler import WorkerFactory; '
        'WorkerFactory(max_episode_length=5, is_tf_worker=True)',
    ],
)
def test_without_tensorflow_the_error_names_the_extra(statement):
    result = _run(
        f"""
        import sys
        sys.modules['tensorflow'] = None  # as if it were not installed
        try:
            {statement}
        except ImportError as error:
            print('ImportError:', error)
        """
    )
    assert result.returncode == 0, result.stderr
    assert 'ImportError: garage.tf needs TensorFlow' in result.stdout
    assert "pip install 'garage[tf]'" in result.stdout
