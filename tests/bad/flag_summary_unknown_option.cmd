summary ok_draws_1.csv --chains 3
