"""Small dialogs over any screen: each asks one question and answers through `dismiss`."""
