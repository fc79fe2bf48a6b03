"""Website chat: the socket.io channel, the static site and the widget in a real browser."""
