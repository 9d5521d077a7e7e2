"""Code the tests, benches and the demo use to play the editor: not part of the server."""
