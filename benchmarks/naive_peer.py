"""The naive peer: what a Python programmer writes first, to compare mapper against.

python-osc's `BlockingOSCUDPServer` receives `/wek/inputs`, one scikit-learn `predict` per
message computes every output at once (one multi-output model), and python-osc's
`SimpleUDPClient` sends `/wek/outputs`. It learns the same examples as mapper (generated from
the same seed, see benchmarks/tasks.py), prints one line when ready, and serves until killed.

    python -m benchmarks.naive_peer --model knn5 --examples 1000 --send 127.0.0.1:PORT
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

import numpy as np

from benchmarks.tasks import examples

MODELS = ("knn5", "knn1", "mlp")


def make_model(name: str) -> tuple[Any, str]:
    """The scikit-learn model and its task for a model name."""
    if name == "knn5":
        from sklearn.neighbors import KNeighborsRegressor

        return KNeighborsRegressor(n_neighbors=5), "regression"
    if name == "knn1":
        from sklearn.neighbors import KNeighborsClassifier

        return KNeighborsClassifier(n_neighbors=1), "classification"
    from sklearn.neural_network import MLPRegressor

    # one hidden layer of 16 tanh units trained by L-BFGS, like mapper's default
    mlp = MLPRegressor(
        hidden_layer_sizes=(16,), activation="tanh", solver="lbfgs", max_iter=300, random_state=0
    )
    return mlp, "regression"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=MODELS, required=True)
    parser.add_argument("--examples", type=int, default=1000)
    parser.add_argument("--inputs", type=int, default=8)
    parser.add_argument("--outputs", type=int, default=3)
    parser.add_argument("--send", required=True, metavar="HOST:PORT")
    args = parser.parse_args()

    from pythonosc.dispatcher import Dispatcher
    from pythonosc.osc_server import BlockingOSCUDPServer
    from pythonosc.udp_client import SimpleUDPClient

    model, task = make_model(args.model)
    X, y = examples(task, args.examples, args.inputs)
    model.fit(X, np.repeat(y[:, None], args.outputs, axis=1))
    host, port = args.send.rsplit(":", 1)
    client = SimpleUDPClient(host, int(port))

    def on_inputs(address: str, *values: float) -> None:
        out = model.predict(np.array([values]))[0]
        client.send_message("/wek/outputs", [float(v) for v in out])

    dispatcher = Dispatcher()
    dispatcher.map("/wek/inputs", on_inputs)
    server = BlockingOSCUDPServer(("127.0.0.1", 0), dispatcher)
    print(f"listening on 127.0.0.1:{server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    sys.exit(0)


if __name__ == "__main__":
    main()
