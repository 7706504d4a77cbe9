"""Whether the Hugging Face hub can be reached from this process, decided once, and what is cached.

transformers retries a hub it cannot reach for about half a minute before it gives up, once per
file; on a machine with no network (a classroom, CI) that is the whole answer time of a question
that names a hub model. So the question is asked once per process, in at most `PROBE_SECONDS` and
with no retry, and every load after that either may use the network or does not touch it:

    reachable()        False at once when HF_HUB_OFFLINE / TRANSFORMERS_OFFLINE is set; otherwise the
                       answer of the one probe (any HTTP answer from the hub's endpoint, $HF_ENDPOINT
                       included, counts; a name that does not resolve, a refused or silent connection
                       does not)
    offline_by_setting()   whether that "no" came from the environment rather than the network
    is_cached(id)      the model's config.json is in the local Hugging Face cache (no network)

A process that started offline stays offline until it restarts: the probe is not repeated.
"""

from __future__ import annotations

import os
import threading
import urllib.error
import urllib.request

__all__ = ["PROBE_SECONDS", "reachable", "offline_by_setting", "is_cached", "probe"]

PROBE_SECONDS = 2.0  # the longest a process waits to learn that the hub is out of reach

_decided: bool | None = None
_deciding = threading.Lock()


def offline_by_setting() -> bool:
    """HF_HUB_OFFLINE (or transformers' older TRANSFORMERS_OFFLINE) says: do not try the network."""
    return any(os.environ.get(name, "").strip().lower() not in ("", "0", "false", "no", "off")
               for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"))


def reachable() -> bool:
    """Whether hub downloads can work in this process: asked of the network once, in ≤ PROBE_SECONDS."""
    global _decided
    if offline_by_setting():
        return False
    with _deciding:  # concurrent first questions share one probe
        if _decided is None:
            from huggingface_hub import constants

            _decided = probe(constants.ENDPOINT, PROBE_SECONDS)
        return _decided


def probe(endpoint: str, seconds: float) -> bool:
    """One HEAD request to `endpoint`, given up after `seconds` in all (name lookup included), no retry."""
    answered = threading.Event()

    def ask() -> None:
        try:
            urllib.request.urlopen(urllib.request.Request(endpoint, method="HEAD"), timeout=seconds).close()
            answered.set()
        except urllib.error.HTTPError:  # the hub answered, if only with an error status: it is there
            answered.set()
        except (OSError, ValueError):  # no name, no route, refused, timed out, a malformed endpoint
            pass

    # getaddrinfo has no timeout of its own, so the request runs in a thread we stop waiting for
    worker = threading.Thread(target=ask, daemon=True, name="hub-probe")
    worker.start()
    worker.join(seconds)
    return answered.is_set()


def is_cached(repo_id: str) -> bool:
    """The model's config.json is in the local Hugging Face cache, so it may load with no network."""
    from huggingface_hub import try_to_load_from_cache

    try:
        return isinstance(try_to_load_from_cache(repo_id, "config.json"), str)
    except ValueError:  # not a valid repository id: then certainly not cached
        return False

