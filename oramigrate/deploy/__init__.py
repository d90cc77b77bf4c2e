"""Deploy safety: one runner at a time (lock), an audited history with checksums, a statement journal
that resumes half-applied revisions, and the lint gate before anything runs.
"""
