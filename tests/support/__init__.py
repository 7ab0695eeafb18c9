"""Helpers shared by the test layers: render projects, run their own tools, serve them."""
