"""The one amount parser (foundation.amounts.parse_amount) and the form field that uses it.

Defect 7: "1e30" (or any amount with ~27 integer digits) made quantize fail → 500. The size is now
checked before any arithmetic, and every door (form, API, services, live preview) uses this parser.
"""

from decimal import Decimal

import pytest
from django import forms

from foundation.amounts import AmountError, from_cents, parse_amount, to_cents, to_money
from foundation.forms import AmountField

BAD = ["1e30", "1e-30", "NaN", "Infinity", "-5", "abc", "1" * 27, "1.234,567", "", "1E5", "+5", "0x10",
       "12,500.00", "--5", "sNaN", "-Infinity", "1" * 27 + ",00"]


@pytest.mark.parametrize(("text", "value"), [
    ("1.234,56", "1234.56"), ("1234.56", "1234.56"), ("1234,5", "1234.50"), ("100.000", "100000.00"),
    ("  12 500,00 € ", "12500.00"), ("0", "0.00"), ("9.999.999.999,99", "9999999999.99"),
])
def test_reads_german_and_plain_amounts_to_two_places(text, value):
    amount = parse_amount(text)
    assert amount == Decimal(value) and amount.as_tuple().exponent == -2


@pytest.mark.parametrize("text", BAD)
def test_refuses_junk_with_a_german_message(text):
    with pytest.raises(AmountError) as info:
        parse_amount(text)
    assert info.value.message  # a sentence for the user, never an empty or technical error


@pytest.mark.parametrize(("text", "words"), [
    ("1e30", "kein gültiger Betrag"), ("NaN", "kein gültiger Betrag"), ("-5", "nicht negativ"),
    ("1" * 27, "zu groß"), ("10000000000,00", "zu groß"), ("1.234,567", "zwei Nachkommastellen"),
])
def test_the_message_names_the_problem(text, words):
    with pytest.raises(AmountError) as info:
        parse_amount(text)
    assert words in info.value.message


def test_zero_and_negative_only_where_allowed():
    with pytest.raises(AmountError, match="größer als 0"):
        parse_amount("0,00", allow_zero=False)
    with pytest.raises(AmountError, match="größer als 0"):
        parse_amount("-5", allow_zero=False)
    assert parse_amount("-0,88", allow_negative=True) == Decimal("-0.88")


@pytest.mark.parametrize("value", [Decimal("1e30"), Decimal("NaN"), Decimal("Infinity"), Decimal("1e-30")])
def test_decimals_handed_in_by_code_are_checked_the_same_way(value):
    with pytest.raises(AmountError):
        parse_amount(value)


@pytest.mark.parametrize("text", BAD[:-1])
def test_the_form_field_shows_the_message_instead_of_failing(text):
    field = AmountField(required=True)
    with pytest.raises(forms.ValidationError) as info:
        field.clean(text)
    assert info.value.messages and all(info.value.messages)


def test_the_form_field_cleans_to_decimal():
    assert AmountField().clean("1.234,56") == Decimal("1234.56")
    assert AmountField().clean("1234.56") == Decimal("1234.56")
    assert AmountField(required=False, blank_as_zero=True).clean("") == Decimal("0.00")


def test_api_text_reads_a_point_as_the_decimal_point():
    assert parse_amount("1234.5", decimal_point=True) == Decimal("1234.50")
    for text in ("1.234", "1.234,56", "1e30", "NaN", "1" * 27):
        with pytest.raises(AmountError):
            parse_amount(text, decimal_point=True)


@pytest.mark.parametrize(("amount", "cents"), [
    (Decimal("0.00"), 0), (Decimal("0.01"), 1), (Decimal("1234567.89"), 123456789), (Decimal("2500000"), 250000000),
    (Decimal("0.005"), 1), (Decimal("0.004"), 0), ("19.99", 1999)])
def test_cents_are_whole_and_come_back_as_two_place_amounts(amount, cents):
    assert to_cents(amount) == cents and isinstance(to_cents(amount), int)
    back = from_cents(cents)
    assert back == to_money(amount) and back.as_tuple().exponent == -2
