"""`python -m bot.ops.rasa_server [rasa run options]`: `rasa run`, closed by default.

Rasa's HTTP API can read and rewrite any conversation and replace the model.
It is on only when a token is configured, and the token never appears on a
command line (where `ps` shows it to every user of the machine): it is read
from RASA_API_TOKEN, or from the file named by RASA_API_TOKEN_FILE (a mounted
secret), and handed to Rasa's own `rasa run` in memory. `make run` passes
`--interface` from BIND_ADDRESS (default 127.0.0.1: this machine only).
A model that uses no TensorFlow is served without loading it (tensorflow_free.py).
"""

import os
import sys
from pathlib import Path
from typing import List, Mapping, Optional

LOOPBACK = "127.0.0.1"


class TokenFileError(RuntimeError):
    pass


def bind_address(environ: Optional[Mapping[str, str]] = None) -> str:
    env = os.environ if environ is None else environ
    return (env.get("BIND_ADDRESS") or "").strip() or LOOPBACK


def api_token(environ: Optional[Mapping[str, str]] = None) -> Optional[str]:
    """The HTTP API token from RASA_API_TOKEN or RASA_API_TOKEN_FILE; None: the API stays off."""
    env = os.environ if environ is None else environ
    token = (env.get("RASA_API_TOKEN") or "").strip()
    path = (env.get("RASA_API_TOKEN_FILE") or "").strip()
    if not token and path:
        try:
            token = Path(path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise TokenFileError(f"RASA_API_TOKEN_FILE {path}: {exc.strerror}") from exc
        if not token:
            raise TokenFileError(f"RASA_API_TOKEN_FILE {path} is empty")
    return token or None


def main(argv: Optional[List[str]] = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    # Before anything imports Rasa (which imports TensorFlow): see bot/ops/tensorflow_free.py.
    from bot.ops.tensorflow_free import keep_out

    tensorflow = keep_out(argv)

    import logging

    import rasa.telemetry
    import rasa.utils.io
    import rasa.utils.tensorflow.environment as tensorflow_env

    # Loading a model imports skops, which walks sklearn's packages and so imports
    # numpy.distutils, whose log module sets the root logger to WARNING: every INFO
    # line after the model loads (SMS delivered, opted out, ...) would vanish.
    # Imported here, before the logging is configured, its side effect comes first.
    import skops.io  # noqa: F401
    from rasa.__main__ import create_argument_parser
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    args = create_argument_parser().parse_args(["run", *argv])
    try:
        token = api_token()
    except TokenFileError as exc:
        print(f"Not starting: {exc}", file=sys.stderr)
        return 2
    args.enable_api, args.auth_token = bool(token), token
    # What `rasa` itself does before running a command (rasa/__main__.py).
    log_level = getattr(args, "loglevel", None)
    configure_logging_and_warnings(log_level, None, warn_only_once=True, filter_repeated_logs=True)
    tensorflow_env.setup_tf_environment()
    sys.path.insert(1, os.getcwd())
    rasa.utils.io.configure_colored_logging(log_level)
    rasa.telemetry.initialize_telemetry()
    configure_structlog(log_level)
    logging.getLogger(__name__).info(
        "Rasa server on %s:%s; HTTP API %s; %s",
        args.interface,
        args.port,
        "on (token)" if token else "off",
        tensorflow,
    )
    args.func(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
