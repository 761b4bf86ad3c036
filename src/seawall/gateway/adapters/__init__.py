"""One adapter per wire format: request body <-> Envelope of text segments."""
