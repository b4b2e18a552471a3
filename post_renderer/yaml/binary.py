"""`!!binary` scalars as Kubernetes reads them.

`!!binary` is the one YAML tag whose decoding yields a different text:
go-yaml (under sigs.k8s.io/yaml, Kubernetes' decoder) base64-decodes the
scalar and uses the result as the string, for keys as for values, so
`!!binary aW1hZ2U=: x` is an `image` key to a cluster.  The tree builder
decodes them the same way; a value keeps the marker style below, so that
an image written this way is an error, not an edit under a tag that would
turn the new text back into base64.
"""

from __future__ import annotations

import binascii
from base64 import b64decode

from .errors import LocateError

BINARY_TAG = "tag:yaml.org,2002:binary"
# The `style` of a decoded !!binary value (libyaml's styles are '', "'", '"', '|', '>').
BINARY_STYLE = "!!binary"


def decode_binary(text: str, line: int) -> str:
    """The string go-yaml makes of a !!binary scalar: Go's standard base64
    (padding required; CR and LF skipped), the bytes as JSON strings carry
    them (invalid UTF-8 replaced).  Invalid base64 is a LocateError, as
    Kubernetes refuses it too."""
    try:
        data = b64decode(text.replace("\r", "").replace("\n", "").encode("ascii"),
                         validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise LocateError("a !!binary scalar that is not valid base64 "
                          "(Kubernetes refuses it)", line) from None
    return data.decode("utf-8", errors="replace")
