"""The instrument in memory: the engine, examples, outputs, takes, training. No sockets, no disk."""
