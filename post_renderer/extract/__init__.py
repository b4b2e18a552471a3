"""Where images are in a document: the extractor table, its walk and the audit."""
