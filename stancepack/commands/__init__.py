"""Click commands: they parse options, call the library, and print."""
