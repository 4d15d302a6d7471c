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
