"""`flask start`'s server log: Werkzeug's own lines, one label each, no raw colour codes."""
import urllib.request

from helpers.live_server import serving

DEVELOPMENT_SERVER = ("WARNING: This is a development server. Do not use it in a production "
                      "deployment. Use a production WSGI server instead.")


def test_flask_start_logged_to_a_file_reads_as_werkzeug_writes_it(tmp_path):
    log = tmp_path / "start.log"
    with serving("start", "--no-reload", database_url=f"sqlite:///{tmp_path / 'app.db'}",
                 log_path=log) as (url, _):
        with urllib.request.urlopen(url + "/api/schema", timeout=5) as response:
            assert response.status == 200

    lines = log.read_text().splitlines()
    assert DEVELOPMENT_SERVER in lines, lines
    assert "Press CTRL+C to quit" in lines, lines
    assert not [line for line in lines if "[werkzeug]" in line or "\x1b[" in line], lines
    assert [line for line in lines if '"GET /api/schema HTTP/1.1" 200' in line], lines
