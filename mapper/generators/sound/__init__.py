"""Training a steerable neural audio model from the artist's own recordings, exported with
RAVE's TorchScript interface: `mapper generator train sound --data DIR --out M.ts`."""
