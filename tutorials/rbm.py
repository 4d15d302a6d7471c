"""Restricted Boltzmann machines and the unrolled stack (Hinton & Salakhutdinov 2006)
==================================================================================

Before backpropagation could train deep autoencoders from a random start,
Hinton & Salakhutdinov (2006) pretrained them with a stack of restricted
Boltzmann machines and *unrolled* the stack: the encoder is the RBMs' upward
pass, the decoder the same weights transposed.  This tutorial

1. writes the energy of a tiny RBM, computes its partition function Z by
   enumerating every hidden state, and estimates log Z by annealed importance
   sampling (AIS, Salakhutdinov & Murray 2008) — the tool that makes an RBM's
   likelihood measurable when enumeration is out of reach;
2. trains an RBM on binarised digits with CD-1 and with persistent CD,
   following the reconstruction error and the pseudo-likelihood, draws its
   filters (``filters_rbm.png``) and estimates its held-out log-likelihood
   with AIS, whose log Z is biased low (the estimate rises with more temperatures);
3. stacks RBMs with :func:`npae.pretrain_stack` (``family="rbm"``), checks
   that the unrolled autoencoder holds exactly their weights, fine-tunes it,
   and starts a semantic-hashing model (Salakhutdinov & Hinton 2009) from
   the same stack.

    python tutorials/rbm.py            # about a minute on 2 cores
    python tutorials/rbm.py --quick    # seconds (used by the tests)
"""

from __future__ import annotations

import os

import numpy as np

import npae
from npae import plot
from npae.datasets import load_mnist
from npae.metrics.retrieval import precision_at_k

from _tutorial import banner, make_parser, parse


def main(argv=None):
    args, say = parse(make_parser(__doc__, "rbm"), argv)
    out = {}

    banner("1. Energy, free energy and the partition function of a tiny RBM", say, gap=False)
    rng = np.random.default_rng(0)
    X_tiny = (rng.random((20, 12)) < 0.3).astype(float)
    tiny = npae.RBM(n_components=10, epochs=0).fit(X_tiny)
    tiny.params_["W"] = rng.standard_normal((12, 10))  # strong couplings: AIS has work to do
    exact = tiny.log_partition("exact")  # 2**10 hidden states, summed
    ais = tiny.log_partition("ais", n_chains=100, n_betas=1000, random_state=1)
    say("   E(v, h) = -b.v - c.h - v'Wh;  F(v) = -b.v - sum_j log(1 + exp(c_j + v'W_j))")
    say(f"   log Z by enumerating 2^10 hidden states: {exact:.4f}")
    say(f"   log Z by AIS (100 chains, 1000 temperatures): {ais:.4f}  (error {ais - exact:+.4f})")
    out["tiny"] = (exact, ais)

    X, y = load_mnist()
    Xb = (X > 0.5).astype(float)  # binary pixels: the pseudo-likelihood needs them
    # quick: small minibatches, so that 1,000 digits still give a few hundred updates
    n_tr, m, epochs, batch = (1000, 64, 3, 20) if args.quick else (6000, 256, 15, 100)
    Xtr, Xte, ytr, yte = Xb[:n_tr], Xb[7000:], y[:n_tr], y[7000:]
    banner(f"2. CD-1 and persistent CD on {n_tr} binarised digits, {m} hidden units", say)
    rbms = {}
    for name, persistent in (("CD-1", False), ("PCD-1", True)):
        # PCD with the guide's final momentum 0.9 follows a moving target: 0.5 throughout
        rbm = npae.RBM(n_components=m, epochs=epochs, persistent=persistent, learning_rate=0.05,
                       momentum=0.5 if persistent else 0.9, batch_size=batch,
                       random_state=0).fit(Xtr)
        chains, betas = (20, 100) if args.quick else (100, 1000)
        log_z = rbm.log_partition("ais", n_chains=chains, n_betas=betas, random_state=0)
        ll = float(rbm.score_samples(Xte, log_z).mean())
        pl = float(rbm.pseudo_log_likelihood(Xte).mean())
        rec = rbm.history_["reconstruction_error"]
        say(f"   {name}: reconstruction error {rec[0]:.1f} -> {rec[-1]:.1f}; held-out "
            f"pseudo-log-likelihood {pl:.1f}; AIS log-likelihood {ll:.1f} nats per digit")
        rbms[name], out[name] = rbm, ll
    say("   The reconstruction error is a cheap monitor, not the objective: CD follows an")
    say("   approximation of the likelihood's gradient, which AIS lets us measure.")
    # AIS's log Z is biased low (Jensen), so the log-likelihoods above are optimistic: more
    # temperatures raise log Z, and the rise bounds how optimistic they were
    more = 5 * betas
    lz_few = rbms["CD-1"].log_partition("ais", n_chains=chains, n_betas=betas, random_state=0)
    lz_more = rbms["CD-1"].log_partition("ais", n_chains=chains, n_betas=more, random_state=0)
    say(f"   CD-1's log Z by AIS: {lz_few:.2f} with {betas} temperatures, {lz_more:.2f} with "
        f"{more}" + (f": its log-likelihood above was optimistic, by {lz_more - lz_few:.2f} "
                     "nats or more" if lz_more > lz_few else ": no sign of the bias at this count"))
    out["log_z_rise"] = lz_more - lz_few
    plot.image_tiles(rbms["CD-1"].params_["W"].T[:32], n_cols=8, title="RBM filters (CD-1)",
                     path=os.path.join(args.out, "filters_rbm.png"))

    Xg = X  # grey levels, read as probabilities by the first RBM
    hidden = (128, 64, 30) if args.quick else (500, 250, 30)
    banner(f"3. A stack of RBMs 784-{'-'.join(map(str, hidden))}, unrolled and fine-tuned", say)
    kw = dict(family="rbm", loss="bce", pretrain_epochs=2 if args.quick else 10,
              layer_params=[{"batch_size": batch}] * (len(hidden) - 1)
              + [{"batch_size": batch, "learning_rate": 0.01}], random_state=0)
    tuned = npae.pretrain_stack(Xg[:n_tr], hidden[:-1], hidden[-1], code_activation="identity",
                                finetune_epochs=3 if args.quick else 15, **kw)
    layers, start = tuned.pretraining_["layers"], tuned.pretraining_["params"]
    same = all(np.array_equal(start[f"encoder.{l}.W"], r.params_["W"]) and
               np.array_equal(start[f"decoder.{len(hidden) - 1 - l}.W"], r.params_["W"].T)
               for l, r in enumerate(layers))
    say(f"   unrolled weights before fine-tuning are the RBMs' (encoder W_l, decoder W_l^T): {same}")
    # before fine-tuning, the unrolled network is the RBMs' mean-field pass up, then down
    H = Xg[7000:]
    for r in layers:
        H = r.transform(H)
    for r in layers[::-1]:
        H = r.inverse_transform(H)
    # squared error summed over the 784 pixels, mean over the held-out digits (the paper's)
    before = float(((Xg[7000:] - H) ** 2).sum(axis=1).mean())
    after = float(tuned.reconstruction_error(Xg[7000:]).mean()) * 784
    say(f"   held-out squared error per digit: unrolled stack {before:.2f}, fine-tuned {after:.2f}")
    out["stack"] = (same, before, after)

    sh = npae.pretrain_stack(Xg[:n_tr], hidden[:-1], 16, finetune_family="semantic_hashing",
                             finetune_params={"code_noise_std": 4.0}, code_activation="sigmoid",
                             finetune_epochs=3 if args.quick else 15,
                             **{**kw, "layer_params": {"batch_size": batch}})
    bits = sh.hash(Xg[7000:])
    p10 = float(precision_at_k(bits, yte, k=10, metric="hamming"))
    say(f"   semantic hashing from the stack: 16 bits, {bits.mean():.2f} of them on; "
        f"precision@10 among held-out digits {p10:.2f} (chance 0.10)")
    out["hash_precision"] = p10
    say(f"   figures written to {args.out}")
    return out


if __name__ == "__main__":
    main()
