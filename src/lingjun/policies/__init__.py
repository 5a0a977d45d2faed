"""The policy library (政策库): data, not code. One folder per issuing document; see README.md."""
