"""The autoencoder families: one file per paper, and nothing else.

Each module opens with its citation, its objective as one equation and its
symbols, in the review's notation, and writes only its own maths (``_loss``:
forward, terms, backward) and its own hyperparameters; the estimator
machinery it inherits lives in :mod:`npae.estimator`.  Files whose name
starts with ``_`` are a family's own parts (the VAE's bounds, the AAE's
prior phase).

The families are imported here explicitly, in the order of Caron's review
(basic → regularized → generative → applications), which is the order of the
registry (:func:`npae.registry.families`), of ``npae families`` and of the
docs.
"""

from .autoencoder import Autoencoder                      # §1, §2.2
from .sparse import SparseAutoencoder                     # §2.3
from .ksparse import KSparseAutoencoder                   # Makhzani & Frey 2013
from .denoising import DenoisingAutoencoder               # §2.4
from .contractive import ContractiveAutoencoder           # §2.5
from .convolutional import ConvolutionalAutoencoder       # Masci et al. 2011
from .wta import WinnerTakeAllAutoencoder, ConvolutionalWTAAutoencoder  # Makhzani & Frey 2014, 2015
from .variational import VariationalAutoencoder           # §2.6
from .clvae import ConditionalLatentVAE                   # Norlander & Sopasakis 2019
from .adversarial import AdversarialAutoencoder           # §2.7
from .concrete import ConcreteAutoencoder                 # Abid et al. 2019
from .wasserstein import WassersteinAutoencoder           # Tolstikhin et al. 2018
from .dec import DeepEmbeddedClustering                   # Xie et al. 2016
from .vade import VariationalDeepEmbedding                # Jiang et al. 2017
from .semantic_hashing import SemanticHashingAutoencoder  # Salakhutdinov & Hinton 2009
from .ocnn import OneClassNeuralNetwork                   # Chalapathy et al. 2018
from .dagmm import DeepAutoencodingGMM                    # Zong et al. 2018
from .rbm import RBM                                      # Hinton 2002, 2010
from .stacked import pretrain_stack                       # Hinton & Salakhutdinov 2006

__all__ = ["Autoencoder", "SparseAutoencoder", "KSparseAutoencoder", "WinnerTakeAllAutoencoder",
           "DenoisingAutoencoder", "ContractiveAutoencoder", "ConvolutionalAutoencoder",
           "ConvolutionalWTAAutoencoder", "VariationalAutoencoder", "ConditionalLatentVAE",
           "AdversarialAutoencoder", "ConcreteAutoencoder", "WassersteinAutoencoder",
           "DeepEmbeddedClustering", "VariationalDeepEmbedding", "SemanticHashingAutoencoder",
           "OneClassNeuralNetwork", "DeepAutoencodingGMM", "RBM", "pretrain_stack"]
