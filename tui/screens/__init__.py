"""The full screens: the main screen, and the examples, model settings, help and new project
screens over it. Small questions are in tui/dialogs/, the main screen's panels in
tui/widgets/, what its keys do in tui/actions/."""
