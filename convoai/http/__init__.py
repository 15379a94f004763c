"""The HTTP side of a turn: request to `Turn`, chunk encoding, SSE framing and the response."""
