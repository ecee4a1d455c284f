"""Per-client reductions over projects equal numpy's own, to the last bit."""

from __future__ import annotations

import numpy as np
import pytest

from vendorsim.projects import any_project, project_mean, project_sum


@pytest.mark.parametrize("projects", [1, 2, 3, 5, 7, 8, 12])
def test_reductions_equal_numpy_to_the_last_bit(projects: int) -> None:
    rng = np.random.default_rng(projects)
    # Magnitudes far apart, so a different order of addition would show in the last bits.
    scale = rng.choice([1e-9, 1.0, 1e9], size=(2_000, projects))
    values = rng.standard_normal((2_000, projects)) * scale
    assert np.array_equal(project_sum(values), values.sum(axis=1))
    assert np.array_equal(project_mean(values), values.mean(axis=1))
    flags = values > 1.0
    assert np.array_equal(project_mean(flags), flags.mean(axis=1))
    assert np.array_equal(any_project(flags), flags.any(axis=1))


def test_reductions_leave_their_input_alone() -> None:
    flags = np.array([[True, False], [False, False]])
    values = np.array([[1.0, 2.0], [3.0, 4.0]])
    any_project(flags)
    project_sum(values)
    assert flags.tolist() == [[True, False], [False, False]]
    assert values.tolist() == [[1.0, 2.0], [3.0, 4.0]]
