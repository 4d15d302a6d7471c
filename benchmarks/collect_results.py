"""Assemble benchmarks/RESULTS.md from the per-topic files in benchmarks/results/.

Each benchmark script writes its own file there (with the command that produced
it); this script only concatenates them in a fixed order under one index.

    python benchmarks/collect_results.py
"""

import os

HERE = os.path.dirname(os.path.abspath(__file__))
ORDER = [
    ("speed.md", "Speed of the core (issues 2 and 14)"),
    ("memory.md", "Memory of one epoch, in memory and memory-mapped (issue 14)"),
    ("speed_openblas_autodetect.md", "Speed with OpenBLAS's own kernel choice"),
    ("dimreduction.md", "PCA vs linear and nonlinear autoencoders (issue 3)"),
    ("dimreduction_fashion.md", "PCA vs autoencoders on full Fashion-MNIST (issue 13)"),
    ("regularized.md", "Sparse, k-sparse, denoising, contractive: cost and the h2o comparisons (issue 4)"),
    ("contractive.md", "The contractive penalty's cost (issue 4)"),
    ("contractive_step.md", "The contractive step with reused buffers (issue 14)"),
    ("vae.md", "VAE and CL-VAE (issue 5)"),
    ("vae_fashion.md", "VAE and CL-VAE on full Fashion-MNIST (issue 13)"),
    ("aae_concrete.md", "Adversarial and concrete autoencoders (issue 5)"),
    ("applications.md", "Applications: anomaly detection, clustering, retrieval"),
    ("clustering.md", "Clustering: k-means on codes, DEC, VaDE, CL-VAE (issue 11)"),
    ("clustering_fashion.md", "Clustering on Fashion-MNIST (issue 11)"),
    ("hashing.md", "Semantic hashing vs ITQ, PCA signs, LSH (issue 11)"),
    ("pretraining.md", "Greedy layer-wise pretraining vs joint training (issue 11)"),
    ("aae_defaults.md", "Adversarial autoencoder defaults (issue 13)"),
    ("ksparse_digits.md", "k-sparse features for a linear classifier, digits (issue 13)"),
    ("ksparse_fashion.md", "k-sparse features for a linear classifier, Fashion-MNIST (issue 13)"),
    ("vae_binarized.md", "VAE and IWAE on binarised digits (issue 13)"),
    ("vae_manifold.md", "The 2-D VAE manifold's digit classes (issue 13)"),
    ("vae_student_t.md", "Student-t VAE decoder under outliers (issue 11)"),
    ("clvae_protocol.md", "The CL-VAE preprint's protocol (issue 13)"),
    ("fashion_pca30.md", "PCA-30 vs 30-D autoencoders on full Fashion-MNIST (issue 13)"),
    ("to_torch.md", "npae.to_torch: torch against npae (issue 14)"),
    ("faults.md", "Faults and bad input: attempts, clear errors, silent acceptances (issue 9)"),
    ("anomaly_odds.md", "One-class detection on the ODDS benchmark (issue 10)"),
    ("clvae_anomaly.md", "The CL-VAE preprint's anomaly protocol (issue 10)"),
    ("hash_table.md", "Semantic hashing as a hash table: lookup vs scan (issue 21)"),
    ("ood_likelihood.md", "When likelihoods fail: out-of-distribution scores of a VAE (issue 21)"),
    ("images_restore.md", "Denoising and super-resolution vs filters and interpolation (issue 21)"),
    ("compression.md", "Rate-distortion autoencoder vs JPEG and quantised PCA (issue 21)"),
    ("rbm_pretraining.md", "RBM-pretrained 784-1000-500-250-30 vs AE-pretrained and random "
     "starts, digits (issue 20)"),
    ("rbm_pretraining_fashion.md", "RBM-pretrained 784-1000-500-250-30 on full Fashion-MNIST "
     "(issue 20)"),
    ("anomaly_benchmark.md", "The default detector, chosen by leave-one-dataset-out on 26 sets (issue 22)"),
    ("conv_speed.md", "Convolutional autoencoder: npae's batch convolution vs PyTorch (issue 20)"),
    ("conv_wta_digits.md", "Convolutional vs dense, Conv-WTA vs FC-WTA vs k-sparse, digits (issue 20)"),
    ("conv_wta_fashion.md", "The same on a Fashion-MNIST subset (issue 20)"),
]


def main():
    parts = ["# npae benchmark results\n",
             "Measured figures, each with the command that produced it. Timings are medians of "
             "interleaved runs in one process; ratios are of medians from the same run. These "
             "2-core machines are noisy and were sometimes shared while a run took place: each "
             "section says so where it matters. Regenerate this file with "
             "`python benchmarks/collect_results.py` after re-running a benchmark.\n"]
    parts += [f"{i + 1}. [{title}](#{i + 1}-{name[:-3].replace('_', '-')})"
              for i, (name, title) in enumerate(ORDER)
              if os.path.exists(os.path.join(HERE, "results", name))]
    parts.append("")
    for i, (name, title) in enumerate(ORDER):
        path = os.path.join(HERE, "results", name)
        if not os.path.exists(path):
            continue
        with open(path) as fh:
            body = fh.read().strip().splitlines()
        # Demote the file's own headings one level under our numbered section.
        body = ["#" + line if line.startswith("#") else line for line in body]
        parts.append(f'<a id="{i + 1}-{name[:-3].replace("_", "-")}"></a>\n')
        parts.append(f"## {i + 1}. {title}\n")
        parts.append("\n".join(body) + "\n")
    with open(os.path.join(HERE, "RESULTS.md"), "w") as fh:
        fh.write("\n".join(parts))
    print(f"wrote {os.path.join(HERE, 'RESULTS.md')}")


if __name__ == "__main__":
    main()
