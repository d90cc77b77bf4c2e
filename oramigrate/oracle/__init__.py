"""What Oracle needs: the target version, names that fit, reflection noise, the connection preflight."""
