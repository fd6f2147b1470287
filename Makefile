# The two commands a newcomer needs. Both install what they need first.
.PHONY: demo test lint messages

PORT ?= 8000

demo:            ## install, load the demo world and serve it on http://127.0.0.1:$(PORT) (make demo PORT=8001)
	./scripts/setup
	.venv/bin/genxi demo --port $(PORT)

test:            ## install (with Chromium) and run lint, types and the whole suite on SQLite and PostgreSQL
	./scripts/test

lint:            ## ruff, mypy and the layering contract (pyproject.toml, [tool.importlinter])
	.venv/bin/ruff check . && .venv/bin/ruff format --check . && .venv/bin/mypy genxi bench tests && .venv/bin/lint-imports

messages:        ## refresh the Chinese catalogue after changing strings, then compile it
	cd genxi && ../.venv/bin/python ../manage.py makemessages -l zh_Hans --no-obsolete -i "tests/*"
	cd genxi && msgfmt --check -o locale/zh_Hans/LC_MESSAGES/django.mo locale/zh_Hans/LC_MESSAGES/django.po
	cd genxi && msgfmt --check -o vendor_locale/zh_Hans/LC_MESSAGES/django.mo vendor_locale/zh_Hans/LC_MESSAGES/django.po
