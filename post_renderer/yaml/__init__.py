"""YAML text: split a stream into documents, compose a tree with spans, splice edits."""
