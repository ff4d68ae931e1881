.PHONY: run test lint bench

run:   ## start SPMP with demo data on SQLite at http://127.0.0.1:5000
	scripts/run-demo.sh

test:  ## the whole test suite, on SQLite and on PostgreSQL
	scripts/test.sh

lint:
	.venv/bin/ruff check spmp web tests bench migrations

bench:
	.venv/bin/python bench/import_bench.py
	.venv/bin/python bench/directory_bench.py
	.venv/bin/python bench/engine_bench.py
	.venv/bin/python bench/sweep_bench.py
