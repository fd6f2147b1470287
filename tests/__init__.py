"""Helpers the test suite shares that are not shipped with Genxi (the browser tests' log-in and
screenshots)."""
