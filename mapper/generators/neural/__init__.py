"""Neural audio models a mapping can steer: RAVE-style TorchScript exports (`.ts` files).

- model:    loading a `.ts` file and discovering its interface (decode, decode_params, sr)
- streamer: the decode thread, a few blocks ahead of whoever plays the audio
- outputs:  who pulls the audio in real time (the speakers, or a clock) and the WAV recorder
- player:   the model steered by an engine's outputs (NeuralPlayer), for sessions and the TUI
- toy:      a tiny model with RAVE's exported interface, to try the pipeline without RAVE
            (its torch module in toy_model)
- commands: `mapper generator rtf` and `mapper generator toy-ts`

Nothing is imported here, and torch only where a model is loaded or built, so `mapper --help`
stays light.
"""
