"""Terms the families share, each a documented module of its own.

:mod:`~npae.terms.penalties`   the Ω terms: weight decay, sparsity (KL, L1, L2), contractive
:mod:`~npae.terms.noise`       corruption processes (masking, Gaussian, salt-and-pepper)
:mod:`~npae.terms.priors`      latent priors p(z) and their samplers (AAE, WAE, CL-VAE)
:mod:`~npae.terms.mmd`         maximum mean discrepancy, metric and WAE penalty
:mod:`~npae.terms.gaussian`    diagonal Gaussian log-densities, KL terms, reparameterisation
:mod:`~npae.terms.student_t`   Student-t log-density (the VAE's heavy-tailed decoder)
:mod:`~npae.terms.gmm_energy`  DAGMM's sample energy under a Gaussian mixture
"""
