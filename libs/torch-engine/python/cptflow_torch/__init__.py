"""cptflow's PyTorch training engine: the worker group behind libs/torch-engine's TorchEngine."""
