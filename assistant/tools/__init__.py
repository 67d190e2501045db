"""The agent's tools: LangChain structured tools with pydantic argument schemas, bound to one session."""
