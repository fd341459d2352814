"""nbgrader settings for the course's exercises (optional: `pip install nbgrader`).

Run nbgrader from the repository root, for example
    nbgrader generate_assignment 01_forward_and_losses
    nbgrader autograde 01_forward_and_losses
nbgrader's course directory is exercises/: it reads exercises/source/<assignment>/ and keeps
its own student copies in exercises/nbgrader_release/, apart from the copies that
`python -m exercises release` writes to exercises/release/.
"""

import os

c = get_config()  # noqa: F821 (nbgrader provides get_config when it loads this file)

c.CourseDirectory.root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "exercises")
c.CourseDirectory.source_directory = "source"
c.CourseDirectory.release_directory = "nbgrader_release"
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(c.CourseDirectory.root, "gradebook.db")
c.ExecutePreprocessor.timeout = 60
