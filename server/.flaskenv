# Read by `flask` (through python-dotenv) when it runs from this folder.
FLASK_APP=app.py
FLASK_RUN_PORT=5555
# `flask run` restarts its server when a file it runs changes, so the page
# compares the database with models.py as you last saved it.
FLASK_RUN_RELOAD=true
