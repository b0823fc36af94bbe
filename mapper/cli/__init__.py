"""The `mapper` command: parsing into typed options, the headless console, the subcommands."""
