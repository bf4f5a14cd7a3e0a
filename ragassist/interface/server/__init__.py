"""The HTTP server: an OpenAI-compatible API, native endpoints and a web page over one Assistant.

Entry points: `app.create_app(engine)` (the ASGI app), `engine.Engine` (models loaded once, each
pinned to its own worker thread), `jobs.GenerationQueue` (one answer at a time, bounded, 429
past it). `ragassist serve` (interface/serve_cli.py) runs it with uvicorn.
"""
