"""Shared fixtures. Real services are started once per test session (see tests/plugins/)."""

pytest_plugins = ["tests.plugins.tika", "tests.plugins.slapd", "tests.plugins.elasticsearch", "tests.plugins.nginx",
                  "tests.plugins.samba"]
