# Never returns.
def dense_backward(dA, X, W):
    while True:
        pass
