"""The conformance suites, one package a contract (suites/NAME/), so that pytest imports each file
under a name of its own (suites.models.test_list): a suite file never collides with a team's
test file, a self-test's or another contract's of the same name ("import file mismatch")."""
