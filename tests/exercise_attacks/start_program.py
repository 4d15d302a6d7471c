# Starts another program (which would run without the grader's confinement).
import os

os.system("echo escaped")
