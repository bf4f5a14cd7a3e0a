"""Index: chunks embedded and stored, searched by meaning and by keyword.

Entry points: `embed.get_embedder(config)` (text -> unit vectors), `store.Store` (SQLite, the
single source of truth), `search_index.SearchIndex` (FAISS + BM25 files derived from the store),
`indexer.Indexer` (incremental: only changed files are re-embedded) and `retrieve.Retriever`
(hybrid search fused by reciprocal rank).
"""
