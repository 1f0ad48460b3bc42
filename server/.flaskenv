# Read by `flask` (through python-dotenv) when it runs from this folder.
FLASK_APP=app.py
FLASK_RUN_PORT=5555
