"""The patches refuse to start on a faust-streaming they were not verified against."""

from __future__ import annotations

import pytest

from pipeline.faust_fixes import (
    VERIFIED_FAUST_VERSIONS,
    UnverifiedFaustVersion,
    check_faust_version,
    installed_faust_version,
)


def test_the_installed_faust_streaming_is_a_verified_one() -> None:
    assert installed_faust_version() in VERIFIED_FAUST_VERSIONS
    check_faust_version()


@pytest.mark.parametrize("other", ["0.16.0", "0.15.2", "1.0.0"])
def test_an_unverified_version_fails_naming_both_versions(other: str) -> None:
    with pytest.raises(UnverifiedFaustVersion) as err:
        check_faust_version(other)
    message = str(err.value)
    assert other in message
    assert all(v in message for v in VERIFIED_FAUST_VERSIONS)
