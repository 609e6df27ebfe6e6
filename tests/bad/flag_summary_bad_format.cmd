summary ok_draws_1.csv --format xml
