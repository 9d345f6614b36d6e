"""The shipped program file, portal/fixtures/kai_program.yaml: what it loads (the real teams, phases, results
and budget, as published) and how the loader treats it (idempotence, errors named by key path, nothing
written on an error).

Tests that assert facts of the file live here, so that when the program's data changes (a new phase, a
partner joining) these are the tests to update; elsewhere the loaded program is only the world the tests act
in. Every test here that loads the file starts from a database without it (it does not ask for kai_program)
or reads the session's shared copy (kai_program)."""
