from genxi.demands.tests.conftest import category

__all__ = ["category"]
