"""One lock for every first import of transformers.

transformers is a lazy module: `from transformers import AutoConfig` imports submodules on first
access, and two threads doing that at once can see a half-initialised module ("cannot import name
'AutoConfig' from 'transformers'", found by the soak test with eight sessions). Every import of
transformers in the engine and the agent happens under this lock (reentrant: one import may
trigger another); after the first, the imports are dictionary lookups and the lock costs nothing.
"""

from __future__ import annotations

import threading

__all__ = ["TRANSFORMERS_IMPORT"]

TRANSFORMERS_IMPORT = threading.RLock()
