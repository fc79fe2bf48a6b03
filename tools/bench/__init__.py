"""`make bench` / `python -m tools.bench`: speed and memory of the assistant against the stock Rasa bot.

On loopback, with the action server in the path, for this bot and for the
stock `rasa init` bot in the same run under the same load: training time, time
to first answer, one-conversation latency, throughput and p95 at 20 concurrent
conversations on one and on two Sanic workers (Redis lock store), and the
resident memory of each server. Writes results/bench.md and results/bench.json.
"""
