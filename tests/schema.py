"""The whole OpenAPI schema (every operation, as drf-spectacular generates it), once per test process.

Generating it takes seconds; several test modules walk it. Each caller gets its own copy.
"""

import copy
import functools


@functools.cache
def _generated() -> dict:
    from drf_spectacular.generators import SchemaGenerator

    return SchemaGenerator().get_schema(request=None, public=True)


def full_schema() -> dict:
    return copy.deepcopy(_generated())
