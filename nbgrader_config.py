"""nbgrader settings for the course's exercises (optional: `pip install nbgrader`).

Run nbgrader from the repository root, for example
    nbgrader generate_assignment 01_forward_and_losses
    nbgrader autograde 01_forward_and_losses
    nbgrader generate_feedback 01_forward_and_losses
nbgrader's course directory is exercises/: it reads exercises/source/<assignment>/ and keeps
its own student copies in exercises/nbgrader_release/, apart from the copies that
`python -m exercises release` writes to exercises/release/.

nbgrader's autograde runs the test cells inside the student's kernel, so it trusts that kernel
(see the README's "Instructors"); `python -m exercises grade` does not.
"""

import atexit
import copy
import os
import shutil
import tempfile

from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
from nbgrader import utils
from nbgrader.api import MissingEntry
from nbgrader.preprocessors import (
    CheckCellMetadata,
    ClearHiddenTests,
    ClearOutput,
    DeduplicateIds,
    GetGrades,
    OverwriteCells,
    OverwriteKernelspec,
)
from traitlets import List

c = get_config()  # noqa: F821 (nbgrader provides get_config when it loads this file)

c.CourseDirectory.root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "exercises")
c.CourseDirectory.source_directory = "source"
c.CourseDirectory.release_directory = "nbgrader_release"
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(c.CourseDirectory.root, "gradebook.db")
c.ExecutePreprocessor.timeout = 60


class ClearHiddenTestsFromFeedback(ClearHiddenTests):
    """The feedback is made from the autograded notebooks, which hold the hidden tests again; this
    removes them from the cells, as the student copies do, and from the tracebacks that quote a
    cell's lines. (nbconvert configures display_data_priority for every preprocessor of an HTML
    export; nbgrader's own GetGrades accepts it the same way.)"""

    display_data_priority = List(config=True)

    def preprocess_cell(self, cell, resources, cell_index):
        cell, resources = super().preprocess_cell(cell, resources, cell_index)
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                output["traceback"] = [self._without_hidden_lines(text) for text in output.get("traceback", [])]
        return cell, resources

    def _without_hidden_lines(self, text):
        kept, hidden = [], False
        for line in text.split("\n"):
            if self.begin_test_delimeter in line:
                hidden = True
            elif self.end_test_delimeter in line:
                hidden = False
            elif not hidden:
                kept.append(line)
        return "\n".join(kept)


class OverwriteCellsWithHiddenTests(OverwriteCells):
    """nbgrader's OverwriteCells without its false alarm for test cells with hidden tests
    (jupyter/nbgrader#1961): the gradebook keeps the checksum of the source cell, hidden tests
    included, which a student's copy never had. A test cell is reported as changed only when it
    differs from the copy nbgrader released; either way the source cell replaces it."""

    def preprocess_cell(self, cell, resources, cell_index):
        self._released = None
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id is not None and utils.is_grade(cell) and utils.is_locked(cell):
            try:
                source = self.gradebook.find_source_cell(grade_id, self.notebook_id, self.assignment_id)
            except MissingEntry:
                source = None
            if source is not None:
                released = copy.deepcopy(cell)
                released.source = source.source
                released, _ = ClearHiddenTests().preprocess_cell(released, {}, cell_index)
                self._released = utils.compute_checksum(released)
        return super().preprocess_cell(cell, resources, cell_index)

    def report_change(self, name, attr, old, new):
        if not (attr == "checksum" and new == self._released):
            super().report_change(name, attr, old, new)


c.Autograde.sanitize_preprocessors = [ClearOutput, DeduplicateIds, OverwriteKernelspec,
                                      OverwriteCellsWithHiddenTests, CheckCellMetadata]
c.GenerateFeedback.preprocessors = [GetGrades, ClearHiddenTestsFromFeedback, CSSHTMLHeaderPreprocessor]

if os.name == "posix":
    # ipykernel warns about every kernel it starts on TCP without encryption; the kernels that
    # autograde starts talk over local sockets instead, in a directory of their own.
    sockets = tempfile.mkdtemp(prefix="nbgrader-kernels-")
    atexit.register(shutil.rmtree, sockets, ignore_errors=True)
    c.KernelManager.transport = "ipc"
    c.KernelManager.ip = os.path.join(sockets, "kernel")
