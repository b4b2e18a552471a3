"""Image references and the rules that rewrite them."""
