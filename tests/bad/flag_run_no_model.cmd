run --chains 2
