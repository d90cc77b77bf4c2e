"""What the tests share: real databases, the CLI in-process and in a subprocess, deploy and SQL helpers."""
