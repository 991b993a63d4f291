"""Co-signing: online signatures (pending until the email is confirmed) and paper signatures from the centre."""
