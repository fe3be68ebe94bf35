"""Writing annotations: kg draft and kg check."""
