"""Autoencoders for images (the encyclopedia article's image-processing applications).

- :mod:`~npae.imaging.rate_distortion`: the rate–distortion autoencoder of Ballé, Laparra &
  Simoncelli (2017), lossy compression with a learned rate;
- :mod:`~npae.imaging.entropy_coding`: an integer arithmetic coder (Witten, Neal & Cleary
  1987), so that bits per pixel are real bytes;
- :mod:`~npae.imaging.upsampler`: an MLP upsampler for super-resolution.

PSNR and SSIM are in :mod:`npae.metrics.image`; the benchmarks against Gaussian and
median filters, PCA, bicubic interpolation, JPEG and JPEG 2000 are
``benchmarks/images_restore.py`` and ``benchmarks/compression.py``.
"""

from .entropy_coding import decode, encode, frequency_table, ideal_bits
from .rate_distortion import RateDistortionAutoencoder
from .upsampler import MLPUpsampler

__all__ = ["RateDistortionAutoencoder", "MLPUpsampler", "encode", "decode", "frequency_table",
           "ideal_bits"]
