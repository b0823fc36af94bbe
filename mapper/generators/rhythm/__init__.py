"""The shipped drum-pattern model: one-bar patterns of 16 steps x 9 voices, from a small VAE."""
