"""Schemathesis hooks for Huiyin (loaded through SCHEMATHESIS_HOOKS by infra/fuzz-run.ts).

`huiyin_error_shape`: every refusal (4xx/5xx) is the API's one error shape (api/errors.ts),
a JSON object `{"error": {"code": str, "message": str, "details"?: any}}` and nothing else.
"""

import json

import schemathesis

# CPython before 3.11.8 raises SystemError ("AST constructor recursion depth mismatch") when
# Hypothesis parses source to describe a lambda deep inside a strategy's repr; schemathesis then
# reports a Runtime Error for the operation. A description is cosmetic: fall back to Hypothesis's
# own "<unknown>" form instead.
try:
    from hypothesis.internal import filtering, lambda_sources

    _describe = lambda_sources.lambda_description

    def _lambda_description(f):
        try:
            return _describe(f)
        except SystemError:
            return "lambda: <unknown>"

    lambda_sources.lambda_description = _lambda_description
    filtering.lambda_description = _lambda_description
except ImportError:  # another Hypothesis layout: nothing to patch
    pass


@schemathesis.check
def huiyin_error_shape(ctx, response, case):
    if response.status_code < 400:
        return None
    content_type = ",".join(response.headers.get("content-type", []))
    if "application/json" not in content_type:
        raise AssertionError(
            f"{response.status_code} refusal is not JSON (content-type {content_type or 'none'}): "
            f"{response.content[:200]!r}"
        )
    try:
        body = json.loads(response.content)
    except ValueError as exc:
        raise AssertionError(f"{response.status_code} refusal body is not valid JSON: {exc}") from None
    error = body.get("error") if isinstance(body, dict) else None
    problems = []
    if not isinstance(body, dict) or set(body) != {"error"}:
        problems.append("the body must be an object with the single key `error`")
    if not isinstance(error, dict):
        problems.append("`error` must be an object")
    else:
        if not isinstance(error.get("code"), str) or not error["code"]:
            problems.append("`error.code` must be a non-empty string")
        if not isinstance(error.get("message"), str) or not error["message"]:
            problems.append("`error.message` must be a non-empty string")
        extra = set(error) - {"code", "message", "details"}
        if extra:
            problems.append(f"`error` has unexpected keys {sorted(extra)}")
    if problems:
        raise AssertionError(
            f"{response.status_code} refusal not in the error shape: {'; '.join(problems)}: "
            f"{response.content[:300]!r}"
        )
    return None
