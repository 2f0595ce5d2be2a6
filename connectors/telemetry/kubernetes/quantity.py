"""Kubernetes resource quantities (``500m``, ``16Gi``, ``1e9``) read exactly, as Decimals.

Every pod's containers carry CPU, memory and storage limits written in the API's
``resource.Quantity`` grammar, and GPU counts are quantities too. A reader that put them through
``float()`` could not read a single real pod, and binary suffixes or exponents read as floats
would round. This follows apimachinery's grammar (``k8s.io/apimachinery/pkg/api/resource``):

    <quantity> ::= <signedNumber><suffix>
    <suffix>   ::= <binarySI> | <decimalExponent> | <decimalSI>
    <binarySI> ::= Ki | Mi | Gi | Ti | Pi | Ei
    <decimalSI> ::= m | "" | k | M | G | T | P | E
    <decimalExponent> ::= "e" <signedNumber> | "E" <signedNumber>
    <number>   ::= <digits> | <digits>.<digits> | <digits>. | .<digits>

(the exponent is an integer, as apimachinery's parser requires). Anything else is refused with
a ValueError naming the text, never guessed.
"""

from __future__ import annotations

import re
from decimal import Decimal, localcontext

#: ASCII digits only (``\d`` would take any script's digits), matched whole (no trailing newline).
_QUANTITY = re.compile(
    r"(?P<number>[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+))"
    r"(?:(?P<binary>Ki|Mi|Gi|Ti|Pi|Ei)|[eE](?P<exponent>[+-]?[0-9]+)|(?P<decimal>[mkMGTPE]?))"
)
BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
DECIMAL = {"m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}
#: apimachinery refuses larger exponents too (they would overflow its int64 scale).
_MAX_EXPONENT = 1000


def parse_quantity(value: object) -> Decimal:
    """The exact value of a Kubernetes quantity: a string in the grammar above, or a JSON
    integer (hand-written manifests carry ``nvidia.com/gpu: 1``). Floats are refused: the API
    never writes one, and a float's binary rounding is exactly what this avoids."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ValueError(f"quantity {value!r} is not a Kubernetes quantity (string or integer)")
    if isinstance(value, int):
        return Decimal(value)
    match = _QUANTITY.fullmatch(value)
    if match is None:
        raise ValueError(f"quantity {value!r} is not a Kubernetes quantity")
    number = Decimal(match["number"])
    # Enough precision for any quantity the API accepts (up to 2**63 with 1e-9 resolution,
    # or Ei times a long mantissa), so the arithmetic below never rounds.
    with localcontext() as context:
        context.prec = 100
        if match["binary"]:
            return +(number * BINARY[match["binary"]])
        if match["exponent"] is not None:
            exponent = int(match["exponent"])
            if abs(exponent) > _MAX_EXPONENT:
                raise ValueError(f"quantity {value!r}: exponent out of range")
            return +number.scaleb(exponent)
        return +number.scaleb(DECIMAL[match["decimal"]])
