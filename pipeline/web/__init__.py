"""The live map page: static assets, theatre boundary files and their SVG geometry."""
