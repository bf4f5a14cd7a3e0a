"""Documents: files and built-in corpora, read into Documents and cut into Chunks.

Entry points: `load.load_document(path, data)` (text, Markdown, HTML, PDF, one clear error per
bad file), `split.Splitter(config).split(document)` (token-aware chunks with overlap) and
`corpora.file_sources(paths, max_bytes)` / `corpora.corpus_sources(name)` (what the indexer
reads), and `stream.TextStream` (a big text or Markdown file read and split a block at a time).
"""
