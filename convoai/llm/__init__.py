"""The model client: the openai SDK wiring, upstream error mapping and SSE reading, shared by the engine and rag."""
