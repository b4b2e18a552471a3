"""The reference grammar and normalization (pure functions, table-driven)."""

from __future__ import annotations

import pytest

from post_renderer.rewrite.reference import ReferenceError, parse_prefix, parse_reference

DIGEST = "sha256:" + "a" * 64


@pytest.mark.parametrize(
    ("text", "domain", "path", "tag", "digest", "normalized"),
    [
        ("nginx", None, "nginx", None, None, "docker.io/library/nginx"),
        ("nginx:1.25", None, "nginx", "1.25", None, "docker.io/library/nginx"),
        ("library/nginx", None, "library/nginx", None, None, "docker.io/library/nginx"),
        ("docker.io/nginx", "docker.io", "nginx", None, None, "docker.io/library/nginx"),
        ("index.docker.io/library/nginx", "index.docker.io", "library/nginx", None, None,
         "docker.io/library/nginx"),
        ("bitnami/kafka:4.0.0-debian-12-r10", None, "bitnami/kafka", "4.0.0-debian-12-r10", None,
         "docker.io/bitnami/kafka"),
        ("localhost/x", "localhost", "x", None, None, "localhost/x"),
        ("localhost:5000/x:1", "localhost:5000", "x", "1", None, "localhost:5000/x"),
        # registry hosts are case-insensitive: normalized to lower case
        ("Registry/x", "Registry", "x", None, None, "registry/x"),
        ("Quay.IO/prometheus/x:1", "Quay.IO", "prometheus/x", "1", None, "quay.io/prometheus/x"),
        ("gcr.io/a/b/c:v1@" + DIGEST, "gcr.io", "a/b/c", "v1", DIGEST, "gcr.io/a/b/c"),
        ("quay.io/x@" + DIGEST, "quay.io", "x", None, DIGEST, "quay.io/x"),
        ("[::1]:5000/x", "[::1]:5000", "x", None, None, "[::1]:5000/x"),
        ("a__b/c--d/e.f_g:T_ag.1-x", None, "a__b/c--d/e.f_g", "T_ag.1-x", None,
         "docker.io/a__b/c--d/e.f_g"),
    ],
)
def test_parse(text: str, domain: str | None, path: str, tag: str | None, digest: str | None,
               normalized: str) -> None:
    ref = parse_reference(text)
    assert (ref.domain, ref.path, ref.tag, ref.digest) == (domain, path, tag, digest)
    assert ref.normalized_name == normalized
    assert str(ref) == text


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("", "empty"),
        ("nginx/Foo", "lower-case"),
        ("{{ .Values.image }}", "template"),
        ("nginx:", "invalid"),
        ("nginx@sha256:abc", "digest"),
        ("nginx:" + "t" * 129, "invalid"),
        ("-nginx", "invalid"),
        ("nginx latest", "white space"),
        ("a/" + "b" * 260, "255"),
    ],
)
def test_invalid(text: str, why: str) -> None:
    with pytest.raises(ReferenceError, match=why):
        parse_reference(text)


@pytest.mark.parametrize(
    ("text", "normalized"),
    [
        ("bitnami", "docker.io/bitnami"),
        ("docker.io", "docker.io"),
        ("index.docker.io", "docker.io"),
        ("index.docker.io/library", "docker.io/library"),
        ("quay.io", "quay.io"),
        ("localhost", "localhost"),
        ("registry:5000", "registry:5000"),
        ("us-docker.pkg.dev/palette-images/", "us-docker.pkg.dev/palette-images"),
    ],
)
def test_prefix(text: str, normalized: str) -> None:
    assert parse_prefix(text) == normalized


@pytest.mark.parametrize("text", ["", "nginx:1.25", "Foo/Bar", "a b", "gcr.io/x@sha256:" + "a" * 64])
def test_bad_prefix(text: str) -> None:
    with pytest.raises(ReferenceError):
        parse_prefix(text)
