"""Running the project: the `python -m bot` commands (cli), starting the servers
(serve), training, retention, the staff report and the build steps."""
