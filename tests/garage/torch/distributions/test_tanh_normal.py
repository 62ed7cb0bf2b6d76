import math

import numpy as np
import pytest
import torch
from scipy import integrate, stats
from torch.distributions import Independent, Normal

from garage.torch.distributions import TanhNormal


def change_of_variables_log_prob(loc, scale, value):
    """log p(y) for y = tanh(x), from the Gaussian density and |dx/dy|."""
    x = np.arctanh(value)
    return np.sum(stats.norm.logpdf(x, loc, scale) - np.log(1 - value**2), axis=-1)


def entropy_by_integration(loc, scale):
    """Entropy of tanh(X) for scalar loc and scale, by adaptive quadrature."""

    def integrand(x):
        # -log p_Y(tanh x) = -log p_X(x) + log(1 - tanh(x)^2)
        return stats.norm.pdf(x, loc, scale) * (
            -stats.norm.logpdf(x, loc, scale) + np.log(4) - 2 * np.logaddexp(x, -x)
        )

    low, high = loc - 12 * scale, loc + 12 * scale
    points = [p for p in (0.0, loc) if low < p < high]
    return integrate.quad(
        integrand, low, high, points=points or None, limit=500, epsabs=1e-12
    )[0]


class TestShapes:
    def test_last_dimension_is_the_event(self):
        dist = TanhNormal(torch.zeros(4, 3, 2), torch.ones(4, 3, 2))
        assert dist.batch_shape == (4, 3)
        assert dist.event_shape == (2,)
        assert dist.sample().shape == (4, 3, 2)
        assert dist.rsample((5,)).shape == (5, 4, 3, 2)
        assert dist.log_prob(dist.sample()).shape == (4, 3)
        assert dist.entropy().shape == (4, 3)

    def test_scalar_parameters_raise(self):
        with pytest.raises(
            ValueError,
            match=r'at least one dimension, but '
            r'they broadcast to a scalar',
        ):
            TanhNormal(torch.tensor(0.0), torch.tensor(1.0))

    def test_expand(self):
        dist = TanhNormal(torch.tensor([0.5, -0.5]), torch.tensor([1.0, 2.0]))
        expanded = dist.expand((3,))
        assert isinstance(expanded, TanhNormal)
        assert expanded.batch_shape == (3,)
        assert expanded.event_shape == (2,)
        value = torch.tensor([0.1, 0.2])
        torch.testing.assert_close(
            expanded.log_prob(value), dist.log_prob(value).expand(3)
        )

    def test_independent_reinterprets_batch_dimensions(self):
        dist = TanhNormal(torch.zeros(3, 2), torch.ones(3, 2))
        joint = Independent(dist, 1)
        assert joint.batch_shape == ()
        assert joint.event_shape == (3, 2)
        value = joint.sample()
        torch.testing.assert_close(joint.log_prob(value), dist.log_prob(value).sum())

    @pytest.mark.parametrize('wrap', [True, False])
    def test_from_distribution(self, wrap):
        normal = Normal(torch.tensor([0.3, 0.1]), torch.tensor([1.0, 0.5]))
        dist = TanhNormal._from_distribution(Independent(normal, 1) if wrap else normal)
        torch.testing.assert_close(dist.loc, normal.loc)
        torch.testing.assert_close(dist.scale, normal.scale)

    def test_from_distribution_refuses_other_distributions(self):
        with pytest.raises(
            TypeError,
            match=r'new_normal must be a Normal or '
            r'an Independent\(Normal, 1\), not Uniform',
        ):
            TanhNormal._from_distribution(
                torch.distributions.Uniform(torch.zeros(1), torch.ones(1))
            )

    def test_validation_rejects_bad_scale(self):
        with pytest.raises(ValueError, match='scale'):
            TanhNormal(torch.zeros(2), -torch.ones(2), validate_args=True)

    def test_validation_rejects_values_outside_the_support(self):
        dist = TanhNormal(torch.zeros(2), torch.ones(2), validate_args=True)
        with pytest.raises(ValueError, match='support'):
            dist.log_prob(torch.tensor([0.0, 1.5]))


class TestLogProb:
    def test_matches_change_of_variables_in_the_interior(self):
        loc = np.array([[0.3, -1.0], [2.0, 0.0]])
        scale = np.array([[0.5, 1.0], [1.5, 0.2]])
        value = np.array([[0.1, -0.9], [0.99, 0.05]])
        dist = TanhNormal(torch.as_tensor(loc), torch.as_tensor(scale))
        expected = change_of_variables_log_prob(loc, scale, value)
        np.testing.assert_allclose(
            dist.log_prob(torch.as_tensor(value)).numpy(), expected, rtol=1e-10
        )

    @pytest.mark.parametrize('dtype', [torch.float32, torch.float64])
    def test_finite_at_the_bounds(self, dtype):
        dist = TanhNormal(torch.zeros(2, dtype=dtype), torch.ones(2, dtype=dtype))
        value = torch.tensor(
            [[1.0, -1.0], [-1.0, -1.0]], dtype=dtype, requires_grad=True
        )
        log_prob = dist.log_prob(value)
        assert torch.isfinite(log_prob).all()
        log_prob.sum().backward()
        assert torch.isfinite(value.grad).all()

    def test_pre_tanh_value_is_exact_where_tanh_saturates(self):
        dist = TanhNormal(torch.zeros(1), torch.ones(1))
        pre_tanh = torch.tensor([30.0])
        value = torch.tanh(pre_tanh)
        assert value.item() == 1.0
        # log N(30; 0, 1) - log(1 - tanh(30)^2), with log(1 - tanh^2) ~ 2 log 2 - 60
        expected = -0.5 * 30**2 - 0.5 * math.log(2 * math.pi) - (2 * math.log(2) - 60)
        torch.testing.assert_close(
            dist.log_prob(value, pre_tanh), torch.tensor(expected), rtol=1e-6, atol=0
        )
        clipped = dist.log_prob(value)
        assert torch.isfinite(clipped)
        assert not torch.isclose(clipped, torch.tensor(expected))

    def test_density_integrates_to_one(self):
        dist = TanhNormal(
            torch.tensor([0.7], dtype=torch.float64),
            torch.tensor([0.8], dtype=torch.float64),
        )
        grid = torch.linspace(-1, 1, 200001, dtype=torch.float64)[1:-1, None]
        density = dist.log_prob(grid).exp()
        total = torch.trapezoid(density, grid[:, 0])
        assert abs(total.item() - 1) < 1e-4

    def test_epsilon_is_accepted_and_ignored(self):
        # the original garage's calls, with its epsilon offset
        loc, scale = torch.tensor([0.3, -1.0]), torch.tensor([0.5, 1.0])
        value = torch.tensor([0.1, -0.9])
        dist = TanhNormal(loc, scale, epsilon=1e-6)
        exact = TanhNormal(loc, scale).log_prob(value)
        assert torch.equal(dist.log_prob(value), exact)
        assert torch.equal(dist.log_prob(value, epsilon=1e-6), exact)
        assert torch.equal(dist.log_prob(value, None, 1e-6), exact)


class TestSampling:
    def test_sample_statistics(self):
        torch.manual_seed(0)
        loc = torch.tensor([0.0, 1.0, -0.5])
        scale = torch.tensor([0.5, 1.0, 2.0])
        dist = TanhNormal(loc, scale)
        pre_tanh, samples = dist.rsample_with_pre_tanh_value((100000,))
        torch.testing.assert_close(torch.tanh(pre_tanh), samples)
        torch.testing.assert_close(pre_tanh.mean(0), loc, rtol=0, atol=0.02)
        torch.testing.assert_close(pre_tanh.std(0), scale, rtol=0.02, atol=0)
        assert samples.abs().max() <= 1
        # mean is tanh(loc): the median of the samples
        torch.testing.assert_close(
            samples.median(0).values, dist.mean, rtol=0, atol=0.01
        )
        # the sample mean against E[tanh(X)] by quadrature
        expected_mean = [
            integrate.quad(
                lambda x, m=m, s=s: np.tanh(x) * stats.norm.pdf(x, m, s),
                -np.inf,
                np.inf,
            )[0]
            for m, s in zip(loc.tolist(), scale.tolist(), strict=True)
        ]
        np.testing.assert_allclose(samples.mean(0).numpy(), expected_mean, atol=0.01)
        torch.testing.assert_close(dist.stddev, scale)
        torch.testing.assert_close(dist.variance, scale**2)

    def test_sample_is_not_differentiable(self):
        loc = torch.zeros(2, requires_grad=True)
        assert not TanhNormal(loc, torch.ones(2)).sample().requires_grad

    def test_rsample_gradients_reach_loc_and_scale(self):
        loc = torch.tensor([0.2, -0.3], requires_grad=True)
        log_scale = torch.tensor([0.0, -1.0], requires_grad=True)
        dist = TanhNormal(loc, log_scale.exp())
        dist.rsample((10,)).sum().backward()
        assert (loc.grad != 0).all()
        assert (log_scale.grad != 0).all()

    def test_pre_tanh_rsample_gradients_reach_loc_and_scale(self):
        loc = torch.tensor([0.2], requires_grad=True)
        scale = torch.tensor([0.7], requires_grad=True)
        dist = TanhNormal(loc, scale)
        pre_tanh, value = dist.rsample_with_pre_tanh_value((10,))
        dist.log_prob(value, pre_tanh).sum().backward()
        assert loc.grad.abs().item() > 0
        assert scale.grad.abs().item() > 0


class TestEntropy:
    @pytest.mark.parametrize('scale', [1e-3, 0.1, 0.5, 0.74, 0.75, 1.0, 3.0, 50.0])
    @pytest.mark.parametrize('loc', [0.0, 0.4, -2.0, 6.0])
    def test_matches_numerical_integration(self, loc, scale):
        dist = TanhNormal(
            torch.tensor([loc], dtype=torch.float64),
            torch.tensor([scale], dtype=torch.float64),
        )
        assert dist.entropy().item() == pytest.approx(
            entropy_by_integration(loc, scale), abs=1e-7
        )

    def test_matches_monte_carlo(self):
        torch.manual_seed(1)
        dist = TanhNormal(torch.tensor([0.5, -1.0]), torch.tensor([0.3, 2.0]))
        pre_tanh, value = dist.rsample_with_pre_tanh_value((200000,))
        estimate = -dist.log_prob(value, pre_tanh).mean()
        assert dist.entropy().item() == pytest.approx(estimate.item(), abs=0.02)

    def test_sums_over_the_action_dimension(self):
        loc = torch.tensor([[0.5, -1.0]])
        scale = torch.tensor([[0.3, 2.0]])
        joint = TanhNormal(loc, scale).entropy()
        parts = (
            TanhNormal(loc[:, :1], scale[:, :1]).entropy()
            + TanhNormal(loc[:, 1:], scale[:, 1:]).entropy()
        )
        torch.testing.assert_close(joint, parts)

    @pytest.mark.parametrize('scale', [1e-3, 0.3, 0.75, 5.0])
    def test_gradients_match_finite_differences(self, scale):
        loc = torch.tensor([0.3, 4.0], dtype=torch.float64, requires_grad=True)
        scale_t = torch.full((2,), scale, dtype=torch.float64, requires_grad=True)
        assert torch.autograd.gradcheck(
            lambda m, s: TanhNormal(m, s).entropy(), (loc, scale_t)
        )

    def test_gradients_are_finite_for_tiny_scales(self):
        loc = torch.tensor([0.3, 4.0], requires_grad=True)
        scale = torch.full((2,), 1e-6, requires_grad=True)
        TanhNormal(loc, scale).entropy().sum().backward()
        assert torch.isfinite(loc.grad).all()
        assert torch.isfinite(scale.grad).all()


def test_repr_names_the_shapes():
    dist = TanhNormal(torch.zeros(3, 2), torch.ones(3, 2))
    assert repr(dist) == 'TanhNormal(loc: (3, 2), scale: (3, 2))'
