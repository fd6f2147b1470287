"""Settings for the API benchmark's server: Genxi's own, with bench/api_urls.py as URLconf.

`python -m bench.api` starts `genxi serve` with DJANGO_SETTINGS_MODULE=bench.api_settings, so the
bare view runs in the same server, the same workers and the same middleware as the API.
"""

from genxi.settings import *  # noqa: F403

ROOT_URLCONF = "bench.api_urls"
