"""The README's commands and code exist and run (with fewer epochs)."""

import os
import re
import subprocess
import sys

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")


def readme():
    with open(os.path.join(ROOT, "README.md")) as fh:
        return fh.read()


def test_readme_python_example_runs():
    code = re.findall(r"```python\n(.*?)```", readme(), re.S)[0]
    assert "epochs=20" in code
    exec(compile(code.replace("epochs=20", "epochs=1"), "README.md", "exec"), {})


def test_readme_gives_the_demo_and_test_commands():
    text = readme()
    assert "python -m pip install -e . && python -m npae demo" in text
    assert 'python -m pip install -e ".[test]" && python -m pytest' in text


def test_python_dash_m_npae_runs():
    out = subprocess.run([sys.executable, "-m", "npae", "families"], capture_output=True,
                         text=True, cwd=ROOT, check=True).stdout
    assert "autoencoder" in out and "concrete" in out
