"""numba kernels: plain arrays in, plain arrays out; nothing here imports the rest of
the package, so a kernel can be read, tested and benchmarked on its own."""
