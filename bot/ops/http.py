"""Running one of the project's small stdlib HTTP servers (the clinic page, the staff page)."""

from http.server import HTTPServer


def serve_until_stopped(server: HTTPServer) -> int:
    """Serve until Ctrl-C (or the SIGINT of `make run`), then close the socket; returns the exit code."""
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0
