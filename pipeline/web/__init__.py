"""HTTP side of a worker: the tables' JSON API, the live map page and its geometry, /health."""
