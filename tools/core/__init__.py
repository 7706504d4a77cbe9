"""The shared core of the engine: what every tool family builds on, and no tool function itself.

Errors and the session, model loading (the GGUF models' conversion and progress reporting included),
extraction and the hooks that capture layers and values, the job queues, the plumbing every tool
runs before and after its own work, pooling and the subword-to-word merge, and the figure and
script writers the families reuse. Import the modules themselves (`from tools.core.plumbing
import resolve`); this package re-exports nothing.
"""
