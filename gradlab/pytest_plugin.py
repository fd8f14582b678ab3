"""gradlab's pytest plugin (entry point ``pytest11``); imports only NumPy at load time."""
