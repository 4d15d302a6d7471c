# A wrong answer that loosens the grader's tolerances before being compared.
import numpy as np

import npae.exercises.grader as grader

grader.TOL_REFERENCE = grader.TOL_GRADCHECK = grader.TOL_MATCH = 1e9


def dense_backward(dA, X, W):
    return np.zeros((dA.shape[0], W.shape[0])), np.zeros(W.shape), np.zeros(W.shape[1])
