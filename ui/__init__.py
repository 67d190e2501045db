"""The Gradio web app: shopper chat at /, staff copilot at /copilot (behind a login)."""
