"""One attempt to send an SMS through the provider's Messages API (Twilio's, or a
compatible one). Blocking (requests): the outbox worker runs it in a thread and
decides about retries (bot/channels/sms/worker.py).
"""

from dataclasses import dataclass

import requests


@dataclass(frozen=True)
class Attempt:
    delivered: bool
    retryable: bool
    detail: str


class MessagesApi:
    def __init__(self, base_url: str, account_sid: str, auth_token: str, from_number: str, timeout: float = 10.0):
        self.url = f"{base_url.rstrip('/')}/2010-04-01/Accounts/{account_sid}/Messages.json"
        self.auth = (account_sid, auth_token)
        self.from_number = from_number
        self.timeout = timeout

    def post_once(self, to: str, body: str) -> Attempt:
        try:
            response = requests.post(
                self.url,
                auth=self.auth,
                timeout=self.timeout,
                data={"To": to, "From": self.from_number, "Body": body},
            )
        except requests.Timeout:
            return Attempt(False, True, "timeout")
        except requests.ConnectionError as exc:
            # The message is not in the detail: requests puts the URL there,
            # and some errors echo the request.
            return Attempt(False, True, f"connection error ({type(exc).__name__})")
        except requests.RequestException as exc:
            return Attempt(False, False, f"request error ({type(exc).__name__})")
        if 200 <= response.status_code < 300:
            return Attempt(True, False, f"HTTP {response.status_code}")
        # Only the provider's numeric error code: its message may quote the number.
        detail = f"HTTP {response.status_code}"
        try:
            data = response.json()
        except ValueError:
            data = None
        code = data.get("code") if isinstance(data, dict) else None
        if isinstance(code, int):
            detail += f", provider error {code}"
        retryable = response.status_code >= 500 or response.status_code == 429
        return Attempt(False, retryable, detail)
