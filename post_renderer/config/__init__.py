"""The validated configuration: rules, extractors, credentials, allow-list."""
