"""The model serializers' fields are built once per class and language (`foundation.api.ModelSerializer`): every model
serializer of the project derives from it, none overrides what DRF's `get_fields` calls (which could make the fields
depend on the request), each gets fields of its own, equal to the ones DRF builds. That every API list answers the
same with them is tests/access/test_api_fields_built_once.py."""

import pytest
from django.urls import get_resolver
from rest_framework import serializers

from foundation.api import ModelSerializer

PROJECT = {"accounts", "applications", "audit", "downloads", "foundation", "grants", "jury", "opendata", "outbox",
           "payments"}
# What DRF's ModelSerializer.get_fields calls (rest_framework/serializers.py): a subclass overriding one of them could
# build its fields from the request or the object.
HOOKS = {"get_fields", "get_field_names", "get_default_field_names", "build_field", "build_standard_field",
         "build_relational_field", "build_nested_field", "build_property_field", "build_url_field",
         "build_unknown_field", "include_extra_kwargs", "get_extra_kwargs", "get_uniqueness_extra_kwargs"}


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def project_classes(base) -> list:
    """Every class of the project's apps derived from `base` (views and serializers are imported first)."""
    get_resolver().url_patterns  # noqa: B018  (imports every view, and with them every serializer)
    return sorted({cls for cls in _subclasses(base) if cls.__module__.split(".")[0] in PROJECT},
                  key=lambda cls: f"{cls.__module__}.{cls.__qualname__}")


def project_model_serializers():
    return [cls for cls in project_classes(serializers.ModelSerializer) if cls is not ModelSerializer]


def test_every_model_serializer_of_the_project_builds_its_fields_once():
    found = project_model_serializers()
    assert len(found) > 40
    assert [cls for cls in found if not issubclass(cls, ModelSerializer)] == []
    overriding = [(cls.__qualname__, hook) for cls in found for base in cls.__mro__
                  if base not in (ModelSerializer, serializers.ModelSerializer) and issubclass(base, ModelSerializer)
                  for hook in HOOKS & set(vars(base))]
    assert overriding == []


def described(fields) -> list:
    """What a serializer's bound fields say and do, each text read in the active language (nested ones too)."""
    out = []
    for name, field in fields.items():
        child = getattr(field, "child", None) or field
        out.append((
            name, type(field).__name__, type(child).__name__, str(field.label), str(field.help_text or ""),
            field.source, field.read_only, field.required, getattr(field, "allow_null", None),
            [(key, str(label)) for key, label in getattr(field, "choices", {}).items()],
            sorted((key, str(message)) for key, message in field.error_messages.items()),
            [(type(v).__name__, str(getattr(v, "message", ""))) for v in field.validators],
            described(child.fields) if isinstance(child, serializers.Serializer) else None))
    return out


def drf_built(serializer):
    """A serializer of the class with the fields DRF builds, in the active language, not from what was built before."""
    instance = serializer()
    instance.get_fields = lambda: serializers.ModelSerializer.get_fields(instance)
    return instance


@pytest.mark.django_db
@pytest.mark.parametrize("serializer", project_model_serializers(), ids=lambda cls: cls.__qualname__)
@pytest.mark.parametrize("first", ["de", "en"])
def test_the_fields_say_what_drfs_own_say_in_each_language(serializer, first, monkeypatch):
    """Built once (here for an answer in `first`), the fields of every later answer say in its language what DRF's
    fields built for that answer say: labels, help texts, choices, messages, and nested serializers' fields."""
    from django.utils import translation

    import foundation.api

    monkeypatch.setattr(foundation.api, "_BUILT_FIELDS", type(foundation.api._BUILT_FIELDS)())
    with translation.override(first):
        serializer().fields  # noqa: B018  (builds them)
    assert foundation.api._BUILT_FIELDS.get(serializer) is not None
    for language in ("de", "en", first):
        with translation.override(language):
            assert described(serializer().fields) == described(drf_built(serializer).fields)


@pytest.mark.django_db
def test_each_serializer_gets_fields_of_its_own(monkeypatch):
    from payments.api.decisions import GrantDecisionSerializer

    first = GrantDecisionSerializer()
    first.fields.pop("case_number")
    first.fields["state"].label = "changed"
    second = GrantDecisionSerializer()
    assert "case_number" in second.fields and second.fields["state"].label != "changed"
    assert second.fields["state"] is not first.fields["state"] and second.fields["state"].parent is second

    def build_field(*args, **kwargs):
        raise AssertionError("a field built from the model again")

    monkeypatch.setattr(serializers.ModelSerializer, "build_field", build_field)
    assert list(GrantDecisionSerializer().fields) == list(second.fields)  # from what was built before
