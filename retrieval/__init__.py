"""Retrieval: catalog loading, the Chroma + lexical index, hybrid search and its evaluation."""
