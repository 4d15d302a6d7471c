# Writes outside its folder while being imported (the target comes from the
# environment so that the test can look for it in its own temporary folder).
import os

with open(os.environ["NPAE_TEST_ESCAPE"], "w") as f:
    f.write("escaped")
