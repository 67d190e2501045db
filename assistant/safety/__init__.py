"""Safety rules applied around the model: the input guard, the argument guard, grounding checks, untrusted text."""
