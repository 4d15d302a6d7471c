"""The exit to PyTorch: a fitted npae model as a ``torch.nn.Module`` with the same weights.

torch is optional (``pip install "npae[bench]"``, which pins ``torch==2.13.0``)
and imported only when :func:`to_torch` is called.
"""

from __future__ import annotations

from .._validation import not_fitted

__all__ = ["to_torch"]

#: registry key of the family (npae.estimator.registry) -> (implementation module, torch module class)
_CONVERTERS = {
    "autoencoder": ("_torch_families", "AutoencoderModule"),
    "sparse": ("_torch_families", "SparseModule"),
    "ksparse": ("_torch_families", "KSparseModule"),
    "denoising": ("_torch_families", "DenoisingModule"),
    "contractive": ("_torch_families", "ContractiveModule"),
    "wae": ("_torch_families", "WAEModule"),
    "vae": ("_torch_generative", "VAEModule"),
    "clvae": ("_torch_generative", "CLVAEModule"),
    "aae": ("_torch_generative", "AdversarialModule"),
    "concrete": ("_torch_generative", "ConcreteModule"),
    "conv": ("_torch_conv", "ConvModule"),
    "wta": ("_torch_conv", "WTAModule"),
    "conv_wta": ("_torch_conv", "ConvWTAModule"),
}


def to_torch(model):
    """A ``torch.nn.Module`` holding copies of a fitted npae model's parameters.

    The module's ``state_dict`` keys are the names of ``model.params_``
    (``"encoder.0.W"``, ``W`` of shape (n_in, n_out) as in npae; a tied
    decoder owns no weight and uses the encoder's transposed), in the model's
    dtype (float64 stays float64), every parameter trainable.  Fixed arrays
    (a CL-VAE's fixed class means, a denoiser's salt-and-pepper range) are
    buffers.  Its methods compute what npae computes, so that training can
    continue in PyTorch (and from there with PyTorch's own distributed
    training, e.g. ``DistributedDataParallel``, when data outgrow one machine):

    - ``encode(X)`` = ``model.transform(X)``, ``decode(Z)`` =
      ``model.inverse_transform(Z)``, ``forward(X)`` = ``model.reconstruct(X)``;
    - ``loss_terms(X, ...)`` = ``model.loss_terms(X, ...)`` (a dict of 0-dim
      tensors: the same terms, weights and weight decay included) and
      ``loss(X, ...)`` their sum, differentiable by autograd.

    Inputs may be tensors or arrays (converted to the module's dtype and
    device).  In float64 the two agree to round-off: over 27 configurations of
    the nine families the largest difference of a loss term, a gradient entry,
    a code or a reconstruction was 2.2e-15 (``benchmarks/results/to_torch.md``;
    ``tests/applications/test_to_torch.py`` asserts 1e-12).

    Random draws.  npae's stochastic losses draw from a numpy generator; the
    torch loss takes the draw as an argument, so that it is exact, and draws it
    with torch's generator (same distribution, other numbers) when left out:

    ===========================  ==================================================
    family                       argument (npae's draw for ``rng=seed``)
    ===========================  ==================================================
    DenoisingAutoencoder         ``X_tilde`` = ``model.corrupt(X, rng=seed)`` (``X``: none)
    VariationalAutoencoder       ``eps`` = ``default_rng(seed).standard_normal((n, k))``
    ConditionalLatentVAE         ``y`` (class indices, required) and ``eps`` as above
    AdversarialAutoencoder       ``z_prior`` = ``model.sample_prior(n, rng=seed)``
    WassersteinAutoencoder       ``z_prior`` = ``σ_z default_rng(seed).standard_normal((n, k))``
    ConcreteAutoencoder          ``gumbel`` = ``gumbel_noise(default_rng(seed), (k, d))``
    ===========================  ==================================================

    What is exported exactly, and what is not:

    - exact (value and gradient): every family's encode, decode, reconstruction
      and loss terms, for every activation npae ships (custom
      :class:`~npae.nn.activations.Activation` objects are refused);
    - the contractive penalty is exact in value; its gradient is torch's double
      backward of the Jacobian rows (k backward passes), not npae's Gram form;
    - the KL sparsity penalty clips ρ̂ like npae; where the clip is active (a
      saturated unit) npae's gradient is the one at the boundary, torch's 0;
    - the k-sparse and concrete selections are recomputed from values that
      agree to round-off: a tie within round-off could pick another unit;
    - training schedules stay with the user: the VAE's KL warm-up (set
      ``module.beta``), the concrete temperature annealing (set
      ``module.temperature``), the adversarial game's three optimizers (use
      ``module.phase_loss``); optimizer state (Adam moments) is not carried over;
    - not exported: ``elbo``, ``log_likelihood``, ``score_samples``, ``sample``
      (build them from ``encode``/``decode``), :class:`npae.PCA`, and subclasses
      of the families (their loss may differ);
    - not exported yet (a clear TypeError): the clustering and one-class
      families, whose losses carry fitted state beside the weights — DEC (the
      frozen target P), VaDE (its pretraining), semantic hashing (the noise on
      the code pre-activation), OC-NN (the radius r) and DAGMM (the mixture
      fitted on the batch).  Their networks are ordinary MLPs: export their
      weights by name from ``params_``.

    Parameters
    ----------
    model : npae.families.BaseAutoencoder
        A fitted (or initialized) model of one of the registered families above.

    Returns
    -------
    torch.nn.Module

    Raises
    ------
    NotFittedError
        The model has no parameters yet.
    TypeError
        Not an npae family model (or a subclass of one).
    ImportError
        torch is not installed.
    """
    from ..estimator.registry import family_key

    name = type(model).__name__
    key = family_key(type(model))  # the class itself, not a subclass: its loss may differ
    if key not in _CONVERTERS:
        raise TypeError(f"to_torch exports the npae families {sorted(_CONVERTERS)}; got "
                        f"{type(model).__module__}.{name}")
    if not hasattr(model, "params_"):
        raise not_fitted(f"this {name} is not fitted yet; call fit(X) (or initialize(X)) "
                             "before to_torch(model)")
    try:
        import torch
    except ImportError as exc:
        raise ImportError(
            "to_torch needs PyTorch, an optional dependency of npae: "
            'pip install "npae[bench]"  (or pip install torch==2.13.0)') from exc
    import importlib

    module_name, cls_name = _CONVERTERS[key]
    cls = getattr(importlib.import_module(f"{__package__}.{module_name}"), cls_name)
    dtype = torch.from_numpy(next(iter(model.params_.values()))[:0]).dtype  # the model's
    return cls(model, dtype).load_npae_params(model.params_)
