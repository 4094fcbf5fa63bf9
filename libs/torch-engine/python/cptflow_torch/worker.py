"""The worker group's entry point (`python -m torch.distributed.run ... -m cptflow_torch.worker`).

The leader (local rank 0 of the node whose environment names the trainer's channel) connects to the
trainer, says hello, then serves requests one at a time:
    leader reads a request -> broadcasts its kind to every rank -> each rank runs its part
    (a step's micro-batches are scattered: rank r takes micro-batches r, r + world, ...)
    -> leader answers.
Large state crosses as safetensors files in a directory the trainer names. A thread on the leader
sends heartbeats so the trainer notices a hung group; torchrun ends the group when any rank dies."""
from __future__ import annotations

import json
import os
import sys
import threading
import time
from datetime import timedelta

import numpy as np
import torch
import torch.distributed as dist
from safetensors.torch import load_file, save_file

from . import wire
from .model import MicroBatch
from .trainer import EngineOptions, ShardedTrainer

# proto/cptflow.proto field numbers.
REQ_ID, REQ_INIT, REQ_STEP, REQ_SNAPSHOT, REQ_CLOSE, REQ_SCORE = 1, 2, 3, 4, 5, 6
RESP_ID, RESP_ERROR, RESP_STEP, RESP_SNAPSHOT, RESP_HELLO, RESP_HEARTBEAT, RESP_SCORE = 1, 2, 3, 4, 5, 6, 7


def is_leader_candidate() -> bool:
    return bool(os.environ.get("CPTFLOW_TORCH_CHANNEL")) and int(os.environ.get("LOCAL_RANK", "0")) == 0


def die_with_launcher() -> None:
    """torchrun starts each worker in a session of its own; if torchrun is killed (the trainer kills
    it on a failure), the workers must not live on as orphans, stopped ones included."""
    if sys.platform.startswith("linux"):
        import ctypes
        import signal

        PR_SET_PDEATHSIG = 1
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() == 1:  # the launcher died before prctl took effect
            os._exit(1)


def main() -> None:
    die_with_launcher()
    device = os.environ.get("CPTFLOW_TORCH_DEVICE", "cpu")
    timeout = timedelta(seconds=float(os.environ.get("CPTFLOW_TORCH_COLLECTIVE_TIMEOUT_S", "1800")))
    if device == "cuda":
        torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", "0")))
    dist.init_process_group("nccl" if device == "cuda" else "gloo", timeout=timeout)
    rank, world = dist.get_rank(), dist.get_world_size()
    # Whichever global rank c10d gave the trainer's node, that process is the leader.
    candidates = [None] * world
    dist.all_gather_object(candidates, is_leader_candidate())
    if not any(candidates):
        raise SystemExit("no rank has CPTFLOW_TORCH_CHANNEL: start node 0's workers through the trainer")
    leader = candidates.index(True)
    channel = wire.Channel(os.environ["CPTFLOW_TORCH_CHANNEL"]) if rank == leader else None
    if channel:
        versions = f"torch {torch.__version__}"
        channel.send(wire.encode((RESP_HELLO, wire.encode((1, os.environ.get("CPTFLOW_TORCH_TOKEN", "")), (2, world), (3, device), (4, versions)))))
        start_heartbeat(channel, float(os.environ.get("CPTFLOW_TORCH_HEARTBEAT_MS", "1000")) / 1000)
    serve(channel, world, leader)
    dist.destroy_process_group()


def start_heartbeat(channel: wire.Channel, every_s: float) -> None:
    def beat() -> None:
        while True:
            time.sleep(every_s)
            try:
                channel.send(wire.encode((RESP_HEARTBEAT, True)))
            except OSError:
                return

    threading.Thread(target=beat, daemon=True, name="heartbeat").start()


class GroupError(Exception):
    """A refused request, raised on every rank alike, so the group stays in step for the next one."""


def from_leader(channel, leader: int, compute):
    """The leader runs `compute()`; every rank gets its value, or every rank raises GroupError."""
    box = [None]
    if channel:
        try:
            box = [(True, compute())]
        except Exception as error:  # reported to the trainer by the leader
            box = [(False, f"{type(error).__name__}: {error}")]
    dist.broadcast_object_list(box, src=leader)
    ok, value = box[0]
    if not ok:
        raise GroupError(value)
    return value


def serve(channel: wire.Channel | None, world: int, leader: int) -> None:
    trainer: ShardedTrainer | None = None
    while True:
        request: dict = {}
        if channel:
            frame = channel.receive()
            request = wire.decode(frame) if frame is not None else {REQ_CLOSE: [b""]}
        try:
            kind = from_leader(channel, leader, lambda: kind_of(request))
            if kind == "init":
                init = from_leader(channel, leader, lambda: parse_init(request))
                trainer = ShardedTrainer(init["config"], EngineOptions.from_json(init["options"]), leader)
                held: dict = {}

                def read() -> int:
                    held["tensors"], step = read_state(init["dir"])
                    return step

                step = from_leader(channel, leader, read)
                trainer.load(held.get("tensors"), step)
                reply(channel, request, None)
            elif kind == "step":
                from_leader(channel, leader, lambda: require_init(trainer))
                mine, lr, tokens = scatter_step(channel, request, world, leader)
                result = trainer.train_step(mine, lr, tokens)
                reply(channel, request, (RESP_STEP, wire.encode((1, result["loss"]), (2, result["grad_norm"]), (3, result["tokens"]), (4, result["compute_ms"]))))
            elif kind == "snapshot":
                directory = from_leader(channel, leader, lambda: snapshot_dir(request, trainer))
                state = trainer.state()
                if channel:
                    save_file(state, os.path.join(directory, "state.safetensors"), metadata={"step": str(trainer.step)})
                reply(channel, request, (RESP_SNAPSHOT, wire.encode((1, trainer.step))))
            elif kind == "score":
                from_leader(channel, leader, lambda: require_init(trainer))
                requests = from_leader(channel, leader, lambda: score_requests(request))
                logprobs, greedy = trainer.score(requests)
                body = wire.encode((1, np.asarray(logprobs, dtype="<f8").tobytes()), (2, bytes(int(g) for g in greedy)))
                reply(channel, request, (RESP_SCORE, body))
            elif kind == "close":
                reply(channel, request, None)
                return
        except GroupError as error:
            if channel:
                channel.send(wire.encode((RESP_ID, wire.first(request, REQ_ID, 0)), (RESP_ERROR, str(error))))


def parse_init(request: dict) -> dict:
    body = wire.decode(wire.first(request, REQ_INIT))
    return {"config": json.loads(wire.text(body, 1)), "options": json.loads(wire.text(body, 2)), "dir": wire.text(body, 3)}


def require_init(trainer) -> None:
    if trainer is None:
        raise RuntimeError("init was not called")


def snapshot_dir(request: dict, trainer) -> str:
    require_init(trainer)
    directory = wire.text(wire.decode(wire.first(request, REQ_SNAPSHOT)), 1)
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"snapshot directory {directory} does not exist")
    return directory


def kind_of(request: dict) -> str:
    for number, kind in ((REQ_INIT, "init"), (REQ_STEP, "step"), (REQ_SNAPSHOT, "snapshot"), (REQ_CLOSE, "close"), (REQ_SCORE, "score")):
        if number in request:
            return kind
    raise ValueError("request without a body")


def reply(channel: wire.Channel | None, request: dict, body: tuple[int, bytes] | None) -> None:
    if channel:
        channel.send(wire.encode((RESP_ID, wire.first(request, REQ_ID, 0)), *([body] if body else [])))


def read_state(directory: str) -> tuple[dict[str, torch.Tensor], int]:
    path = os.path.join(directory, "state.safetensors")
    from safetensors import safe_open

    with safe_open(path, "pt") as f:
        step = int((f.metadata() or {}).get("step", "0"))
    return load_file(path), step


def scatter_step(channel, request, world: int, leader: int) -> tuple[list[MicroBatch], float, int]:
    """The leader decodes the step and hands rank r micro-batches r, r + world, ...; the step's loss
    token count goes to everyone, since each rank divides its gradients by it."""

    def split() -> list:
        body = wire.decode(wire.first(request, REQ_STEP))
        lr, rows, seq = wire.first(body, 1, 0.0), wire.first(body, 2, 0), wire.first(body, 3, 0)
        batches = [micro_batch(wire.decode(m), rows, seq) for m in body.get(4, [])]
        if not batches or len(batches) % world:
            raise ValueError(f"a step of {len(batches)} micro-batches cannot be split over {world} ranks (tokensPerStep must be a multiple of batchRows x seqLen x ranks)")
        tokens = sum(b.loss_tokens() for b in batches)
        if tokens == 0:
            raise ValueError("no tokens with a loss in this step")
        return [(batches[r::world], lr, tokens) for r in range(world)]

    chunks = [None] * world
    if channel:
        try:
            chunks = [(True, c) for c in split()]
        except Exception as error:
            chunks = [(False, f"{type(error).__name__}: {error}")] * world
    mine = [None]
    dist.scatter_object_list(mine, chunks if channel else None, src=leader)
    ok, value = mine[0]
    if not ok:
        raise GroupError(value)
    return value


def score_requests(request: dict) -> list[tuple[torch.Tensor, int]]:
    """(context ++ continuation tokens, continuation length) per request; broadcast to every rank."""
    out = []
    for raw in wire.decode(wire.first(request, REQ_SCORE)).get(1, []):
        fields = wire.decode(raw)
        tokens = torch.from_numpy(np.frombuffer(wire.first(fields, 1, b""), dtype="<i8").copy())
        continuation = wire.first(fields, 2, 0)
        if not 0 < continuation < len(tokens):
            raise ValueError(f"a score request of {len(tokens)} tokens with a continuation of {continuation}")
        out.append((tokens, continuation))
    if not out:
        raise ValueError("a score request without requests")
    return out


def micro_batch(fields: dict, rows: int, seq: int) -> MicroBatch:
    def tensor(number: int) -> torch.Tensor | None:
        raw = wire.first(fields, number)
        if raw is None:
            return None
        array = np.frombuffer(raw, dtype="<i8")
        if array.size != rows * seq:
            raise ValueError(f"micro-batch field {number}: {array.size} values for {rows}x{seq}")
        return torch.from_numpy(array.copy()).view(rows, seq)

    return MicroBatch(tensor(1), tensor(2), tensor(3), tensor(4))


if __name__ == "__main__":
    main()
