"""ShopSmart's test kit: the fixtures every service's tests share, loaded as a pytest plugin."""

from test_kit.problems import assert_problem

__all__ = ["assert_problem"]
