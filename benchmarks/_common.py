"""Helpers shared by the benchmark scripts (not part of the npae package)."""


def blas_info():
    """One line naming the BLAS libraries loaded, their kernel and thread counts."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "threadpoolctl not installed"
    return "; ".join(f"{i['internal_api']} {i.get('version')} {i.get('architecture') or ''} "
                     f"threads={i['num_threads']}".replace("  ", " ")
                     for i in threadpool_info())


def markdown_table(headers, rows):
    """Lines of a markdown table: ``headers`` (str, ...), ``rows`` of already formatted cells."""
    lines = ["| " + " | ".join(headers) + " |", "|---|" + "---:|" * (len(headers) - 1)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return lines


def load_benchmark_data(name, n_train, n_test, seed=0):
    """(X_train, X_test, y_train, y_test) in [0, 1]: "digits" (the bundled 8,000 MNIST digits,
    split by ``train_test_split``) or "fashion" (Fashion-MNIST's own train / t10k files, the
    first rows of each; needs the dataset installed)."""
    from npae.datasets import load_mnist, train_test_split

    if name == "digits":
        X, y = load_mnist()
        X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.25, rng=seed)
        return X_tr[:n_train], X_te[:n_test], y_tr[:n_train], y_te[:n_test]
    from npae.datasets import load_fashion_mnist

    X_tr, y_tr = load_fashion_mnist(kind="train", n=n_train)
    X_te, y_te = load_fashion_mnist(kind="test", n=n_test)
    return X_tr, X_te, y_tr, y_te


def write_markdown(path, title, command, lines):
    """Write a results file: a heading, the command that produced it, the body lines."""
    import os

    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w") as fh:
        fh.write(f"# {title}\n\nCommand: `{command}`\n\n" + "\n".join(lines) + "\n")
