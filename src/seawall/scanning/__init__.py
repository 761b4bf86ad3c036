"""File scanning: walk a tree (or the git index), read each file once, run detectors, apply suppressions."""
