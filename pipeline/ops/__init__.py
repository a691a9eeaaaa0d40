"""Running a worker process: the watchdog, memory and allocator settings, diagnostic dumps."""
