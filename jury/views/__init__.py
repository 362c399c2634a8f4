"""The jury's pages: member workspace and scoring, the case workers' panel page, ranking and session."""
