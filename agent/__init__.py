"""The sensei: the tool registry, the agent loop over an OpenAI-compatible LLM and the offline sensei."""
