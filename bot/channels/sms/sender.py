"""Sending through the provider's Messages API (Twilio's, or a compatible one).

Each HTTP attempt runs with requests in an executor thread so the Rasa
server's event loop never waits on the network; the back-off between
attempts is an asyncio sleep, so it holds no thread either.
"""

import asyncio
import logging
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Optional

import requests

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Attempt:
    delivered: bool
    retryable: bool
    detail: str


class MessagesApi:
    def __init__(
        self,
        base_url: str,
        account_sid: str,
        auth_token: str,
        from_number: str,
        executor: Optional[Executor] = None,
        attempts: int = 3,
        timeout: float = 10.0,
        backoff: float = 1.0,
    ) -> None:
        self.url = f"{base_url.rstrip('/')}/2010-04-01/Accounts/{account_sid}/Messages.json"
        self.auth = (account_sid, auth_token)
        self.from_number = from_number
        self.executor = executor
        self.attempts = max(1, attempts)
        self.timeout = timeout
        self.backoff = backoff

    async def send(self, to: str, body: str, label: str) -> bool:
        """Deliver one SMS, retrying 5xx, 429 and network failures; False if it never went.

        `label` names the recipient in logs (the hashed sender id, never the number).
        """
        loop = asyncio.get_running_loop()
        attempt = Attempt(False, False, "not tried")
        for number in range(1, self.attempts + 1):
            attempt = await loop.run_in_executor(self.executor, self.post_once, to, body)
            if attempt.delivered:
                if number > 1:
                    logger.info("SMS to %s delivered on attempt %d", label, number)
                return True
            if not attempt.retryable or number == self.attempts:
                break
            logger.warning("SMS to %s: attempt %d failed (%s); retrying", label, number, attempt.detail)
            await asyncio.sleep(self.backoff * 2 ** (number - 1))
        logger.error("SMS to %s NOT delivered after %d attempt(s): %s", label, number, attempt.detail)
        return False

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
