"""Standard Webhooks verification: the spec's example, and each refusal."""

from __future__ import annotations

import base64

import pytest

from serving_stack.webhooks import (
    Verifier,
    WebhookRejected,
    secret_key,
    sign,
)

# The example of the Standard Webhooks specification and its reference
# libraries' tests: this secret, id, timestamp and body give this signature.
SPEC_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
SPEC_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
SPEC_TIMESTAMP = 1614265330
SPEC_BODY = b'{"test": 2432232314}'
SPEC_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def headers(signature: str, msg_id: str = SPEC_ID,
            timestamp: int = SPEC_TIMESTAMP) -> dict[str, str]:
    return {"webhook-id": msg_id, "webhook-timestamp": str(timestamp),
            "webhook-signature": signature}


def test_signs_the_specification_example() -> None:
    key = secret_key(SPEC_SECRET)
    assert sign(key, SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY) == SPEC_SIGNATURE


def test_accepts_it_once_and_refuses_the_replay() -> None:
    verifier = Verifier(SPEC_SECRET)
    now = SPEC_TIMESTAMP + 10
    assert verifier.verify(headers(SPEC_SIGNATURE), SPEC_BODY, now) == SPEC_ID
    with pytest.raises(WebhookRejected) as replay:
        verifier.verify(headers(SPEC_SIGNATURE), SPEC_BODY, now + 1)
    assert replay.value.status == 409


def test_accepts_one_good_signature_among_several() -> None:
    other = "v1," + base64.b64encode(b"x" * 32).decode()
    both = f"{other} v2,abc {SPEC_SIGNATURE}"
    verifier = Verifier(SPEC_SECRET)
    assert verifier.verify(headers(both), SPEC_BODY, SPEC_TIMESTAMP) == SPEC_ID


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"body": b'{"test": 2432232315}'}, "no valid v1 signature"),
        ({"msg_id": "msg_other"}, "no valid v1 signature"),
        ({"signature": "v2," + SPEC_SIGNATURE[3:]}, "no valid v1 signature"),
        ({"now": SPEC_TIMESTAMP + 301}, "stale"),
        ({"now": SPEC_TIMESTAMP - 301}, "stale"),
        ({"signature": ""}, "missing"),
    ],
)
def test_refuses(change: dict, message: str) -> None:
    verifier = Verifier(SPEC_SECRET)
    with pytest.raises(WebhookRejected) as refused:
        verifier.verify(
            headers(change.get("signature", SPEC_SIGNATURE),
                    change.get("msg_id", SPEC_ID)),
            change.get("body", SPEC_BODY),
            change.get("now", SPEC_TIMESTAMP),
        )
    assert refused.value.status == 401
    assert message in str(refused.value)


@pytest.mark.parametrize("secret", ["MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                                    "whsec_not*base64", "whsec_c2hvcnQ="])
def test_refuses_a_secret_not_in_the_whsec_form(secret: str) -> None:
    with pytest.raises(ValueError, match="webhook secret"):
        Verifier(secret)
