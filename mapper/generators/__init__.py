"""Latent models a mapping can steer: the protocol (base), the shipped drum model (rhythm), the
sequencer that plays it, its sinks (OSC, MIDI, audio) and the player tying it to an engine.

A generator turns a latent vector into a product (a drum pattern, a block of audio). It runs at
its own rate (the drum model once per sequencer step), reading the latest latent: it is never
called once per input message. This package's __init__ imports nothing, so `mapper --help`
stays light; torch loads only where a generator trains or runs on a GPU.
"""
