"""Report photos: metadata stripped and faces blurred on receipt, published only once approved."""
