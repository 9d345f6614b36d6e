"""Input limits shared by the browser forms and the API serializers, so a text saved through one can always
be saved again through the other."""

MAX_COMMENT = 4000  # an evaluator's comment on one criterion
MAX_GATE_TEXT = 4000  # a gate decision's written reason and its evidence
MAX_PANEL_NOTE = 2000  # the note on a user-panel result
MAX_PANEL_SIZE = 10_000  # respondents in one user panel
MAX_EXTENSION_REASON = 2000  # the written reason for a team's deadline extension
