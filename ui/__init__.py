"""The Gradio web UI for shoppers and the staff copilot (issue 5)."""
